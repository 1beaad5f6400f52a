using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Calloop.Interop;
using Calloop.Sources;

namespace Calloop.Polling;

/// <summary>The Linux backend: one epoll instance; epoll_wait, and epoll_pwait2 for waits finer than a millisecond.</summary>
internal sealed unsafe class EpollBackend : PollBackend
{
    private readonly FdHandle _epoll;
    private readonly int _epfd;
    private readonly int _capacity;
    private void* _buffer;
    private bool _hasPWait2 = true;

    /// <exception cref="PlatformNotSupportedException">Not Linux.</exception>
    /// <exception cref="CalloopException">epoll_create1 failed (EMFILE, ...).</exception>
    internal EpollBackend(int capacity)
    {
        LinuxOnly.Check("Backend.Epoll (epoll(7))", "Use Backend.Default (kqueue on macOS and FreeBSD) or Backend.Poll.");
        int fd = Epoll.Create1(Epoll.EPOLL_CLOEXEC);
        if (fd < 0)
        {
            throw CalloopException.FromErrno("epoll_create1", null, Marshal.GetLastPInvokeError());
        }
        _epoll = new FdHandle(fd);
        _epfd = fd;
        _capacity = capacity;
        _buffer = NativeMemory.Alloc((nuint)capacity, (nuint)(Epoll.IsPacked ? sizeof(Epoll.PackedEvent) : sizeof(Epoll.AlignedEvent)));
    }

    internal override int Fd => _epfd;

    internal override void Add(int fd, Interest interest, Mode mode, Token token) => Control(Epoll.EPOLL_CTL_ADD, "epoll_ctl(ADD)", fd, interest, mode, token);

    internal override void Modify(int fd, Interest interest, Mode mode, Token token) => Control(Epoll.EPOLL_CTL_MOD, "epoll_ctl(MOD)", fd, interest, mode, token);

    internal override void Delete(int fd)
    {
        if (Epoll.Ctl(_epfd, Epoll.EPOLL_CTL_DEL, fd, null) < 0)
        {
            throw CalloopException.FromErrno("epoll_ctl(DEL)", fd, Marshal.GetLastPInvokeError());
        }
    }

    /// <remarks>
    /// A new epoll instance gets every live registration, then takes the old one's number (dup3), which closes the
    /// old instance and with it the registrations nothing could reach. An outer poller that watched the old
    /// instance through this number forgets it (the kernel drops a watched file when it is closed) and must
    /// register the loop's descriptor again.
    /// </remarks>
    internal override bool Rebuild(IEnumerable<(int Fd, Interest Interest, Mode Mode, Token Token)> live)
    {
        int fresh = Epoll.Create1(Epoll.EPOLL_CLOEXEC);
        if (fresh < 0)
        {
            throw CalloopException.FromErrno("epoll_create1 (rebuilding the poller)", null, Marshal.GetLastPInvokeError());
        }
        try
        {
            foreach (var (fd, interest, mode, token) in live)
            {
                try
                {
                    Control(fresh, Epoll.EPOLL_CTL_ADD, "epoll_ctl(ADD) (rebuilding the poller)", fd, interest, mode, token);
                }
                catch (CalloopException e) when (e.Errno == Libc.EBADF)
                {
                    // Closed while registered and not duplicated: epoll had already forgotten it.
                }
            }
            if (Libc.Dup3(fresh, _epfd, Libc.O_CLOEXEC) < 0)
            {
                throw CalloopException.FromErrno("dup3 (rebuilding the poller)", _epfd, Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            Libc.Close(fresh);
        }
        return true;
    }

    private void Control(int op, string operation, int fd, Interest interest, Mode mode, Token token) =>
        Control(_epfd, op, operation, fd, interest, mode, token);

    private static void Control(int epfd, int op, string operation, int fd, Interest interest, Mode mode, Token token)
    {
        uint events = ToEpoll(interest, mode);
        int rc;
        if (Epoll.IsPacked)
        {
            Epoll.PackedEvent ev = new() { Events = events, Data = token.Value };
            rc = Epoll.Ctl(epfd, op, fd, &ev);
        }
        else
        {
            Epoll.AlignedEvent ev = new() { Events = events, Data = token.Value };
            rc = Epoll.Ctl(epfd, op, fd, &ev);
        }
        if (rc < 0)
        {
            throw CalloopException.FromErrno(operation, fd, Marshal.GetLastPInvokeError());
        }
    }

    private static uint ToEpoll(Interest interest, Mode mode)
    {
        uint events = 0;
        if ((interest & Interest.Readable) != 0)
        {
            events |= Epoll.EPOLLIN | Epoll.EPOLLRDHUP;
        }
        if ((interest & Interest.Writable) != 0)
        {
            events |= Epoll.EPOLLOUT;
        }
        return mode switch
        {
            Mode.Edge => events | Epoll.EPOLLET,
            Mode.OneShot => events | Epoll.EPOLLONESHOT,
            _ => events,
        };
    }

    internal override int Wait(Span<PollEvent> events, long timeoutNs)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        int max = Math.Min(events.Length, _capacity);
        int n = WaitRaw(max, timeoutNs);
        if (n <= 0)
        {
            return 0;
        }
        if (Epoll.IsPacked)
        {
            var raw = new ReadOnlySpan<Epoll.PackedEvent>(_buffer, n);
            for (int i = 0; i < n; i++)
            {
                events[i] = new PollEvent(ToReadiness(raw[i].Events), new Token(raw[i].Data));
            }
        }
        else
        {
            var raw = new ReadOnlySpan<Epoll.AlignedEvent>(_buffer, n);
            for (int i = 0; i < n; i++)
            {
                events[i] = new PollEvent(ToReadiness(raw[i].Events), new Token(raw[i].Data));
            }
        }
        return n;
    }

    private int WaitRaw(int max, long timeoutNs)
    {
        int n;
        // epoll_pwait2 is needed only for a wait that whole milliseconds cannot express. Infinite and zero waits
        // (pings, fds, idles: the common case) and whole-millisecond waits take epoll_wait, which spares the kernel
        // copying and converting a timespec and checking a signal mask on every call.
        if (_hasPWait2 && timeoutNs > 0 && (timeoutNs % 1_000_000 != 0 || timeoutNs / 1_000_000 > int.MaxValue))
        {
            Timespec ts = Timespec.FromNanoseconds(timeoutNs);
            n = Epoll.PWait2(_epfd, _buffer, max, &ts, null);
            if (n >= 0)
            {
                return n;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                return 0;
            }
            if (errno != Libc.ENOSYS)
            {
                throw CalloopException.FromErrno("epoll_pwait2", _epfd, errno);
            }
            _hasPWait2 = false;
        }
        // Infinite, zero and whole-millisecond waits, and every wait on older kernels (rounded up to whole
        // milliseconds, so that a timer is never woken for early).
        int ms = timeoutNs < 0 ? -1 : (int)Math.Min((timeoutNs + 999_999) / 1_000_000, int.MaxValue);
        n = Syscall.EpollWait(_epfd, _buffer, max, ms);
        if (n < 0)
        {
            int errno = -n;
            if (errno == Libc.EINTR)
            {
                return 0;
            }
            throw CalloopException.FromErrno("epoll_wait", _epfd, errno);
        }
        return n;
    }

    private static Readiness ToReadiness(uint events)
    {
        Readiness r = Readiness.None;
        if ((events & (Epoll.EPOLLIN | Epoll.EPOLLRDHUP | Epoll.EPOLLHUP)) != 0)
        {
            r |= Readiness.Readable;
        }
        if ((events & Epoll.EPOLLOUT) != 0)
        {
            r |= Readiness.Writable;
        }
        if ((events & Epoll.EPOLLERR) != 0)
        {
            r |= Readiness.Error;
        }
        return r;
    }

    public override void Dispose()
    {
        if (_buffer is not null)
        {
            NativeMemory.Free(_buffer);
            _buffer = null;
        }
        _epoll.Dispose();
    }
}
