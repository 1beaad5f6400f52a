using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Calloop.Interop;
using Calloop.Sources;

namespace Calloop.Polling;

/// <summary>
/// The macOS and FreeBSD backend: one kqueue, with an EVFILT_READ and an EVFILT_WRITE filter per descriptor as its
/// interest asks. Level mode is kqueue's default, edge mode is EV_CLEAR, one-shot is EV_ONESHOT.
/// </summary>
/// <remarks>
/// <para>Written against the documented <c>struct kevent</c> of macOS (32 bytes) and FreeBSD 12+ (64 bytes), picked
/// at run time. It is not exercised by CI, which runs on Linux: only its layouts and its refusal to start on Linux
/// are tested there.</para>
/// <para>Differences from epoll, none of which the loop relies on: a descriptor watched for both directions may be
/// reported as two events with the same token (consecutive events with the same token are merged); a one-shot
/// registration for both directions disarms each filter separately when it fires.</para>
/// </remarks>
internal sealed unsafe class KqueueBackend : PollBackend
{
    /// <summary>At most four changes per call: delete and add, for each of the two filters.</summary>
    internal const int MaxChanges = 4;

    private readonly FdHandle _kqueue;
    private readonly int _kq;
    private readonly int _capacity;
    private readonly bool _freeBsd;
    private readonly Dictionary<int, Registered> _registered = [];
    private void* _buffer;

    /// <exception cref="PlatformNotSupportedException">Not macOS or FreeBSD, or not a 64-bit process.</exception>
    /// <exception cref="CalloopException">kqueue() failed (EMFILE, ...).</exception>
    internal KqueueBackend(int capacity)
    {
        if (!OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            throw new PlatformNotSupportedException(
                $"Backend.Kqueue needs macOS or FreeBSD (kqueue(2)); this is {RuntimeInformation.OSDescription}. On Linux use Backend.Epoll (the default) or Backend.Poll.");
        }
        if (!Environment.Is64BitProcess)
        {
            throw new PlatformNotSupportedException("Backend.Kqueue supports 64-bit processes only (the struct kevent layouts it declares are the 64-bit ones).");
        }
        _freeBsd = Kqueue.IsFreeBsdLayout;
        int fd = Kqueue.Create();
        if (fd < 0)
        {
            throw CalloopException.FromErrno("kqueue", null, Marshal.GetLastPInvokeError());
        }
        _kqueue = new FdHandle(fd);
        if (Libc.Fcntl(fd, Libc.F_SETFD, Libc.FD_CLOEXEC) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _kqueue.Dispose();
            throw CalloopException.FromErrno("kqueue: fcntl(F_SETFD, FD_CLOEXEC)", fd, errno);
        }
        _kq = fd;
        _capacity = capacity;
        _buffer = NativeMemory.Alloc((nuint)capacity, (nuint)(_freeBsd ? sizeof(Kqueue.FreeBsdEvent) : sizeof(Kqueue.MacEvent)));
    }

    internal override int Fd => _kq;

    internal override void Add(int fd, Interest interest, Mode mode, Token token)
    {
        if (_registered.TryGetValue(fd, out Registered existing))
        {
            // A fired one-shot filter is gone from the kernel too, yet its registration is alive (its source re-arms it
            // with Modify): never take over a one-shot (or interest-less) registration.
            if (existing.Interest == Interest.None || existing.Mode == Mode.OneShot || HasFilter(fd, existing.Interest))
            {
                throw CalloopException.FromErrno("kevent(EV_ADD)", fd, Libc.EEXIST);
            }
            // The kernel dropped the filters: the descriptor was closed while registered and its number reused
            // (epoll forgets such a descriptor the same way). The newcomer gets the number.
            _registered.Remove(fd);
        }
        if (interest == Interest.None && !Libc.IsOpen(fd))
        {
            // No filter is added, so kevent would not see a bad descriptor: check it here.
            throw CalloopException.FromErrno("kevent(EV_ADD)", fd, Libc.EBADF);
        }
        try
        {
            Apply(fd, default, interest, mode, token, "kevent(EV_ADD)");
        }
        catch (CalloopException)
        {
            // A filter added before another one failed must not stay behind.
            Apply(fd, new Registered(Interest.Both, mode), Interest.None, mode, token, null);
            throw;
        }
        _registered.Add(fd, new Registered(interest, mode));
    }

    internal override void Modify(int fd, Interest interest, Mode mode, Token token)
    {
        if (!_registered.TryGetValue(fd, out Registered previous))
        {
            throw CalloopException.FromErrno("kevent(EV_ADD) (modify)", fd, Libc.ENOENT);
        }
        Apply(fd, previous, interest, mode, token, "kevent(EV_ADD) (modify)");
        _registered[fd] = new Registered(interest, mode);
    }

    internal override void Delete(int fd)
    {
        if (!_registered.Remove(fd, out Registered previous))
        {
            throw CalloopException.FromErrno("kevent(EV_DELETE)", fd, Libc.ENOENT);
        }
        Apply(fd, previous, Interest.None, previous.Mode, default, "kevent(EV_DELETE)");
    }

    /// <summary>
    /// True when the kernel still has a filter of <paramref name="interest"/> for <paramref name="fd"/>: EV_ENABLE on
    /// it (harmless, registered filters are always enabled) fails with ENOENT or EBADF once the descriptor was closed.
    /// A one-shot filter that fired is gone too, so such a registration counts as stale.
    /// </summary>
    private bool HasFilter(int fd, Interest interest)
    {
        short filter = (interest & Interest.Readable) != 0 ? Kqueue.EVFILT_READ : Kqueue.EVFILT_WRITE;
        return _freeBsd ? HasFilter<Kqueue.FreeBsdEvent>(fd, filter) : HasFilter<Kqueue.MacEvent>(fd, filter);
    }

    private bool HasFilter<TEvent>(int fd, short filter)
        where TEvent : unmanaged, Kqueue.IEvent<TEvent>
    {
        TEvent change = TEvent.Change(fd, filter, Kqueue.EV_ENABLE | Kqueue.EV_RECEIPT, 0);
        TEvent receipt = default;
        Timespec zero = default;
        int got = Kqueue.Kevent(_kq, &change, 1, &receipt, 1, &zero);
        return got == 1 && ((receipt.Flags & Kqueue.EV_ERROR) == 0 || receipt.Data == 0);
    }

    /// <summary>
    /// Moves <paramref name="fd"/>'s filters from <paramref name="previous"/> to <paramref name="interest"/> in one
    /// kevent call with EV_RECEIPT, which reports the outcome of each change. A filter that is not wanted any more,
    /// or whose mode changes (kqueue keeps the EV_CLEAR / EV_ONESHOT of an existing filter), is deleted; ENOENT on a
    /// delete (a one-shot filter that fired, a descriptor already closed) is not an error. A null
    /// <paramref name="operation"/> ignores every error (best-effort clean-up).
    /// </summary>
    private void Apply(int fd, Registered previous, Interest interest, Mode mode, Token token, string? operation)
    {
        if (_freeBsd)
        {
            Apply<Kqueue.FreeBsdEvent>(fd, previous, interest, mode, token, operation);
        }
        else
        {
            Apply<Kqueue.MacEvent>(fd, previous, interest, mode, token, operation);
        }
    }

    private void Apply<TEvent>(int fd, Registered previous, Interest interest, Mode mode, Token token, string? operation)
        where TEvent : unmanaged, Kqueue.IEvent<TEvent>
    {
        TEvent* changes = stackalloc TEvent[MaxChanges];
        TEvent* receipts = stackalloc TEvent[MaxChanges];
        int n = BuildChanges(changes, fd, previous, interest, mode, token);
        if (n == 0)
        {
            return;
        }
        Timespec zero = default;
        int got = Kqueue.Kevent(_kq, changes, n, receipts, n, &zero);
        if (operation is null)
        {
            return;
        }
        if (got < 0)
        {
            throw CalloopException.FromErrno(operation, fd, Marshal.GetLastPInvokeError());
        }
        // One receipt per change, in order. FreeBSD replaces a receipt's flags with EV_ERROR alone, so whether a
        // change was a delete is read from the change itself.
        for (int i = 0; i < got; i++)
        {
            ref TEvent receipt = ref receipts[i];
            if ((receipt.Flags & Kqueue.EV_ERROR) == 0 || receipt.Data == 0)
            {
                continue;
            }
            int errno = (int)receipt.Data;
            if (errno == Libc.ENOENT && (changes[i].Flags & Kqueue.EV_DELETE) != 0)
            {
                continue;
            }
            throw CalloopException.FromErrno(operation, fd, errno);
        }
    }

    /// <summary>
    /// Writes the changes that move <paramref name="fd"/> from <paramref name="previous"/> to
    /// <paramref name="interest"/> and <paramref name="mode"/> (at most <see cref="MaxChanges"/>); returns how many.
    /// </summary>
    internal static int BuildChanges<TEvent>(TEvent* changes, int fd, Registered previous, Interest interest, Mode mode, Token token)
        where TEvent : unmanaged, Kqueue.IEvent<TEvent>
    {
        int n = 0;
        ushort add = (ushort)(Kqueue.EV_ADD | Kqueue.EV_RECEIPT | ModeFlags(mode));
        const ushort delete = Kqueue.EV_DELETE | Kqueue.EV_RECEIPT;
        bool modeChanged = previous.Interest != Interest.None && previous.Mode != mode;
        for (int i = 0; i < 2; i++)
        {
            Interest direction = i == 0 ? Interest.Readable : Interest.Writable;
            short filter = i == 0 ? Kqueue.EVFILT_READ : Kqueue.EVFILT_WRITE;
            bool had = (previous.Interest & direction) != 0;
            bool wants = (interest & direction) != 0;
            if (had && (!wants || modeChanged))
            {
                changes[n++] = TEvent.Change(fd, filter, delete, 0);
            }
            if (wants)
            {
                changes[n++] = TEvent.Change(fd, filter, add, token.Value);
            }
        }
        return n;
    }

    private static ushort ModeFlags(Mode mode) => mode switch
    {
        Mode.Edge => Kqueue.EV_CLEAR,
        Mode.OneShot => Kqueue.EV_ONESHOT,
        _ => 0,
    };

    internal override int Wait(Span<PollEvent> events, long timeoutNs)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        int max = Math.Min(events.Length, _capacity);
        int n;
        if (timeoutNs < 0)
        {
            n = Kqueue.Kevent(_kq, null, 0, _buffer, max, null);
        }
        else
        {
            Timespec ts = Timespec.FromNanoseconds(timeoutNs);
            n = Kqueue.Kevent(_kq, null, 0, _buffer, max, &ts);
        }
        if (n < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                return 0;
            }
            throw CalloopException.FromErrno("kevent (wait)", _kq, errno);
        }
        return _freeBsd
            ? Collect(new ReadOnlySpan<Kqueue.FreeBsdEvent>(_buffer, n), events)
            : Collect(new ReadOnlySpan<Kqueue.MacEvent>(_buffer, n), events);
    }

    /// <summary>Converts raw events; consecutive events for the same token (read and write filter) become one.</summary>
    internal static int Collect<TEvent>(ReadOnlySpan<TEvent> raw, Span<PollEvent> events)
        where TEvent : unmanaged, Kqueue.IEvent<TEvent>
    {
        int count = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            ref readonly TEvent e = ref raw[i];
            Readiness readiness = ToReadiness(e.Filter, e.Flags, e.FilterFlags);
            var token = new Token(e.UserData);
            if (count > 0 && events[count - 1].Token == token)
            {
                events[count - 1] = new PollEvent(events[count - 1].Readiness | readiness, token);
            }
            else
            {
                events[count++] = new PollEvent(readiness, token);
            }
        }
        return count;
    }

    /// <summary>
    /// A read filter's event (data to read, or EV_EOF: the peer hung up) is Readable, a write filter's (room to
    /// write, or EV_EOF) Writable. EV_ERROR, and EV_EOF with an error in fflags (a socket error), add Error.
    /// </summary>
    internal static Readiness ToReadiness(short filter, ushort flags, uint fflags)
    {
        Readiness r = filter switch
        {
            Kqueue.EVFILT_READ => Readiness.Readable,
            Kqueue.EVFILT_WRITE => Readiness.Writable,
            _ => Readiness.None,
        };
        if ((flags & Kqueue.EV_ERROR) != 0 || ((flags & Kqueue.EV_EOF) != 0 && fflags != 0))
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
        _kqueue.Dispose();
    }

    /// <summary>What a descriptor is registered for.</summary>
    internal readonly record struct Registered(Interest Interest, Mode Mode);
}
