using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Calloop.Interop;
using Calloop.Sources;

namespace Calloop.Polling;

/// <summary>
/// The portable backend over poll(2) (ppoll, for nanosecond timeouts, where the system has it: not macOS). Keeps a dense <c>pollfd</c> array; level mode
/// is native, one-shot is emulated by disarming a descriptor once reported, edge mode is refused.
/// </summary>
internal sealed unsafe class PollSyscallBackend : PollBackend
{
    private PollSys.PollFd* _fds;
    private Registration[] _registrations;
    private int _count;
    private int _capacity;
    private readonly Dictionary<int, int> _indexOf = [];
    private int _scanStart;
    private readonly List<int> _closed = [];

    internal PollSyscallBackend()
    {
        _capacity = 16;
        _fds = (PollSys.PollFd*)NativeMemory.Alloc((nuint)_capacity, (nuint)sizeof(PollSys.PollFd));
        _registrations = new Registration[_capacity];
    }

    internal override int Fd => -1;

    internal override void Add(int fd, Interest interest, Mode mode, Token token)
    {
        CheckMode(mode, "poll backend Add", fd);
        if (!Libc.IsOpen(fd))
        {
            throw CalloopException.FromErrno("poll backend Add", fd, Libc.EBADF);
        }
        (ulong, ulong)? identity = Stat.Identity(fd);
        if (_indexOf.TryGetValue(fd, out int existing))
        {
            if (identity is null || _registrations[existing].Identity is null || _registrations[existing].Identity == identity)
            {
                throw CalloopException.FromErrno("poll backend Add", fd, Libc.EEXIST);
            }
            // Another file now has this number: the registered one was closed while registered (epoll forgets such a
            // descriptor by itself). The newcomer gets the number.
            Delete(fd);
        }
        if (_count == _capacity)
        {
            Grow();
        }
        int index = _count++;
        _indexOf[fd] = index;
        _fds[index] = new PollSys.PollFd { Fd = fd, Events = ToEvents(interest), REvents = 0 };
        _registrations[index] = new Registration(token, mode, fd, identity);
    }

    internal override void Modify(int fd, Interest interest, Mode mode, Token token)
    {
        CheckMode(mode, "poll backend Modify", fd);
        if (!_indexOf.TryGetValue(fd, out int index))
        {
            throw CalloopException.FromErrno("poll backend Modify", fd, Libc.ENOENT);
        }
        _fds[index].Fd = fd;
        _fds[index].Events = ToEvents(interest);
        _registrations[index] = _registrations[index] with { Token = token, Mode = mode };
    }

    internal override void Delete(int fd)
    {
        if (!_indexOf.Remove(fd, out int index))
        {
            throw CalloopException.FromErrno("poll backend Delete", fd, Libc.ENOENT);
        }
        int last = --_count;
        if (index != last)
        {
            _fds[index] = _fds[last];
            _registrations[index] = _registrations[last];
            _indexOf[_registrations[index].Fd] = index;
        }
    }

    internal override int Wait(Span<PollEvent> events, long timeoutNs)
    {
        ObjectDisposedException.ThrowIf(_fds is null, this);
        int ready = PollSys.Wait(_fds, (nuint)_count, timeoutNs);
        if (ready < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                return 0;
            }
            throw CalloopException.FromErrno("ppoll", null, errno);
        }
        // Start where the last wait stopped reporting, so that when more descriptors are ready than there is room for,
        // the ones at the end of the set are not starved.
        int n = 0;
        int count = _count;
        int start = _scanStart < count ? _scanStart : 0;
        for (int k = 0; k < count && ready > 0; k++)
        {
            int i = start + k < count ? start + k : start + k - count;
            short revents = _fds[i].REvents;
            if (revents == 0)
            {
                continue;
            }
            if (n == events.Length)
            {
                _scanStart = i;
                ForgetClosed();
                return n;
            }
            ready--;
            _fds[i].REvents = 0;
            ref Registration r = ref _registrations[i];
            events[n++] = new PollEvent(ToReadiness(revents), r.Token);
            if ((revents & PollSys.POLLNVAL) != 0)
            {
                // Closed while registered: reported once as an error, then forgotten, as epoll forgets a closed
                // descriptor (its number may come back as another descriptor).
                _closed.Add(r.Fd);
            }
            else if (r.Mode == Mode.OneShot)
            {
                // Disarmed until re-registered. POLLERR/POLLHUP cannot be masked, so the descriptor leaves the polled
                // set (poll ignores a negative fd).
                _fds[i].Events = 0;
                _fds[i].Fd = ~_fds[i].Fd;
            }
        }
        _scanStart = 0;
        ForgetClosed();
        return n;
    }

    private void ForgetClosed()
    {
        foreach (int fd in _closed)
        {
            Delete(fd);
        }
        _closed.Clear();
    }

    private static void CheckMode(Mode mode, string operation, int fd)
    {
        if (mode == Mode.Edge)
        {
            throw new NotSupportedException($"{operation} for fd {fd}: the poll(2) backend cannot report edges (Mode.Edge); use Mode.Level or Mode.OneShot, or the epoll or kqueue backend.");
        }
    }

    private void Grow()
    {
        int capacity = _capacity * 2;
        _fds = (PollSys.PollFd*)NativeMemory.Realloc(_fds, (nuint)capacity * (nuint)sizeof(PollSys.PollFd));
        Array.Resize(ref _registrations, capacity);
        _capacity = capacity;
    }

    private static short ToEvents(Interest interest)
    {
        short events = 0;
        if ((interest & Interest.Readable) != 0)
        {
            events |= (short)(PollSys.POLLIN | PollSys.POLLRDHUP);
        }
        if ((interest & Interest.Writable) != 0)
        {
            events |= PollSys.POLLOUT;
        }
        return events;
    }

    private static Readiness ToReadiness(short revents)
    {
        Readiness r = Readiness.None;
        if ((revents & (PollSys.POLLIN | PollSys.POLLRDHUP | PollSys.POLLHUP)) != 0)
        {
            r |= Readiness.Readable;
        }
        if ((revents & PollSys.POLLOUT) != 0)
        {
            r |= Readiness.Writable;
        }
        if ((revents & (PollSys.POLLERR | PollSys.POLLNVAL)) != 0)
        {
            r |= Readiness.Error;
        }
        return r;
    }

    public override void Dispose()
    {
        if (_fds is not null)
        {
            NativeMemory.Free(_fds);
            _fds = null;
        }
    }

    private readonly record struct Registration(Token Token, Mode Mode, int Fd, (ulong Device, ulong Inode)? Identity);
}
