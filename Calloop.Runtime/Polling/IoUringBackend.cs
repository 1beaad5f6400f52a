using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using Calloop.Interop;
using Calloop.Sources;

namespace Calloop.Polling;

/// <summary>
/// The Linux io_uring backend: readiness through poll requests on one ring. <see cref="Mode.Edge"/> is a multishot
/// poll (armed again when the kernel ends it), <see cref="Mode.Level"/> a single-shot poll armed again after its event
/// was delivered (with the next wait's <c>io_uring_enter</c>: a poll checks readiness when armed, which gives level
/// semantics), <see cref="Mode.OneShot"/> a single-shot poll armed again only by <see cref="Modify"/>. A counter
/// (<see cref="AddCounter"/>: the wake-up eventfds of pings, channels, signals, executors, async streams and the
/// loop) is a multishot read kept armed in the ring, into buffers the ring picks from a provided-buffer ring: every
/// value written to the eventfd arrives with a completion, the source makes no read of its own, and a ping needs no
/// system call of the loop's to be armed again (Linux 6.7 or later; on older kernels a counter is a level-triggered
/// poll like any other).
/// </summary>
/// <remarks>
/// <para>
/// Requests are keyed by a slot of this backend and the slot's generation (user_data = generation &lt;&lt; 32 | slot), not by
/// the token: a completion that arrives after its registration was modified or deleted carries an old generation
/// and is dropped, so it never reaches a source that reuses the token's slot.
/// </para>
/// <para>
/// Submissions are queued in the ring and handed to the kernel by the next wait, in the same <c>io_uring_enter</c>
/// that waits; only <see cref="Delete"/> submits at once, so that the poll request lets go of the file before the
/// caller closes its descriptor. A wait with a zero timeout, nothing to submit and no completion pending makes no
/// system call at all.
/// </para>
/// <para>
/// A poll request holds a reference to its file, so <see cref="Delete"/> works even when the descriptor was closed
/// behind the loop's back: no registration can leak, and <see cref="PollBackend.Rebuild"/> is not needed.
/// </para>
/// <para>
/// A counter's read takes the value out of the eventfd. So that no value is lost, <see cref="Modify"/>,
/// <see cref="Delete"/> and <see cref="Dispose"/> cancel an armed read at once and wait for its last completion (other
/// completions that arrive meanwhile are held back for the next wait), and the values read but not yet taken by the
/// source are written back to the eventfd: after the call they are where an epoll loop would have left them. Values
/// that arrive between two waits come as several completions of one read and are one event, as with epoll.
/// </para>
/// </remarks>
internal sealed unsafe partial class IoUringBackend : PollBackend
{
    private const string Feature = "Backend.IoUring (io_uring(7))";
    private const ulong InternalUserData = ulong.MaxValue;
    private const uint SqEntries = 256;
    private const uint CqEntries = 4096;

    private const byte Idle = 0;
    private const byte NeedsArm = 1;
    private const byte Armed = 2;

    private readonly FdHandle _ring;
    private readonly int _ringFd;
    private readonly bool _extArg;
    private readonly long _threadSlackNs;

    private void* _sqMap;
    private readonly nuint _sqMapSize;
    private void* _cqMap;
    private readonly nuint _cqMapSize;
    private IoUring.Sqe* _sqes;
    private readonly nuint _sqesSize;

    private readonly uint* _sqHead;
    private readonly uint* _sqTail;
    private readonly uint* _sqFlags;
    private readonly uint _sqMask;
    private readonly uint _sqEntries;
    private uint _sqTailLocal;

    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly IoUring.Cqe* _cqes;
    private uint _cqHeadLocal;

    private Registration[] _registrations = new Registration[16];
    private int _used;
    private int[] _free = new int[16];
    private int _freeCount;
    private readonly Dictionary<int, int> _slotOf = [];
    private int[] _pending = new int[16];
    private int _pendingCount;
    private uint _reapStamp;

    private bool _watched;
    private bool _wakePosted;

    /// <summary>How many times this backend called io_uring_enter (tests read it to prove a wait made no system call).</summary>
    internal long EnterCalls { get; private set; }

    /// <exception cref="PlatformNotSupportedException">
    /// Not 64-bit Linux, or io_uring is not available: not built into the kernel (ENOSYS), refused (EPERM:
    /// <c>/proc/sys/kernel/io_uring_disabled</c>, a seccomp policy), or a kernel older than 5.13.
    /// </exception>
    /// <exception cref="CalloopException">io_uring_setup or mmap failed for another reason (EMFILE, ENOMEM).</exception>
    /// <param name="useExtArg">False to bound waits with a timeout request even where the kernel takes a timeout in io_uring_enter (tests).</param>
    /// <param name="sqEntries">The submission ring's size (tests use small rings).</param>
    /// <param name="cqEntries">The completion ring's size.</param>
    internal IoUringBackend(bool useExtArg = true, uint sqEntries = SqEntries, uint cqEntries = CqEntries)
    {
        LinuxOnly.Check(Feature, "Use Backend.Default, or Backend.IoUringOrEpoll to fall back to epoll on Linux.");
        if (sizeof(nint) != 8)
        {
            throw new PlatformNotSupportedException($"{Feature} is implemented for 64-bit processes only; use Backend.Epoll or Backend.IoUringOrEpoll.");
        }
        IoUring.Params p = default;
        p.Flags = IoUring.IORING_SETUP_CQSIZE | IoUring.IORING_SETUP_CLAMP;
        p.CqEntries = cqEntries;
        int fd = IoUring.Setup(sqEntries, &p);
        if (fd < 0)
        {
            throw SetupFailure(-fd);
        }
        _ring = new FdHandle(fd);
        _ringFd = fd;
        try
        {
            const uint required = IoUring.IORING_FEAT_NODROP | IoUring.IORING_FEAT_RSRC_TAGS;
            if ((p.Features & required) != required)
            {
                throw new PlatformNotSupportedException(
                    $"{Feature} needs Linux 5.13 or later (multishot poll requests); this kernel is {RuntimeInformation.OSDescription} " +
                    $"(io_uring features 0x{p.Features:x}). Use Backend.Epoll, or Backend.IoUringOrEpoll to fall back to it.");
            }
            _extArg = useExtArg && (p.Features & IoUring.IORING_FEAT_EXT_ARG) != 0;
            _threadSlackNs = Math.Max(0, IoUring.Prctl(IoUring.PR_GET_TIMERSLACK, 0, 0, 0, 0));

            _sqMapSize = p.SqOff.Array + p.SqEntries * sizeof(uint);
            _cqMapSize = p.CqOff.Cqes + p.CqEntries * (nuint)sizeof(IoUring.Cqe);
            bool single = (p.Features & IoUring.IORING_FEAT_SINGLE_MMAP) != 0;
            if (single)
            {
                _sqMapSize = _cqMapSize = Math.Max(_sqMapSize, _cqMapSize);
            }
            _sqMap = Map(_sqMapSize, IoUring.IORING_OFF_SQ_RING, "mmap (io_uring submission ring)");
            _cqMap = single ? _sqMap : Map(_cqMapSize, IoUring.IORING_OFF_CQ_RING, "mmap (io_uring completion ring)");
            _sqesSize = p.SqEntries * (nuint)sizeof(IoUring.Sqe);
            _sqes = (IoUring.Sqe*)Map(_sqesSize, IoUring.IORING_OFF_SQES, "mmap (io_uring submission entries)");

            byte* sq = (byte*)_sqMap;
            _sqHead = (uint*)(sq + p.SqOff.Head);
            _sqTail = (uint*)(sq + p.SqOff.Tail);
            _sqFlags = (uint*)(sq + p.SqOff.Flags);
            _sqMask = *(uint*)(sq + p.SqOff.RingMask);
            _sqEntries = *(uint*)(sq + p.SqOff.RingEntries);
            // The indirection array: entry i always names submission entry i.
            uint* array = (uint*)(sq + p.SqOff.Array);
            for (uint i = 0; i < _sqEntries; i++)
            {
                array[i] = i;
            }
            _sqTailLocal = *_sqTail;

            byte* cq = (byte*)_cqMap;
            _cqHead = (uint*)(cq + p.CqOff.Head);
            _cqTail = (uint*)(cq + p.CqOff.Tail);
            _cqMask = *(uint*)(cq + p.CqOff.RingMask);
            _cqes = (IoUring.Cqe*)(cq + p.CqOff.Cqes);
            _cqHeadLocal = *_cqHead;
            SetUpCounterBuffers();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>True when this process can create an io_uring with the features this backend needs.</summary>
    internal static bool IsSupported()
    {
        try
        {
            new IoUringBackend().Dispose();
            return true;
        }
        catch (PlatformNotSupportedException)
        {
            return false;
        }
    }

    /// <remarks>
    /// The ring's descriptor is readable while completions are pending. Once it was asked for (to nest the loop or
    /// watch it from another poller), a poll request waiting to be armed also makes it readable (a no-op request is
    /// completed at once), so that the watcher dispatches and the next wait arms it.
    /// </remarks>
    internal override int Fd
    {
        get
        {
            _watched = true;
            if ((_pendingCount > 0 || _heldCount > 0) && _sqes is not null)
            {
                WakeWatcher();
            }
            return _ringFd;
        }
    }

    internal override void Add(int fd, Interest interest, Mode mode, Token token)
    {
        ObjectDisposedException.ThrowIf(_sqes is null, this);
        if (!Libc.IsOpen(fd))
        {
            throw CalloopException.FromErrno("io_uring poll add", fd, Libc.EBADF);
        }
        (ulong, ulong)? identity = Stat.Identity(fd);
        if (_slotOf.TryGetValue(fd, out int existing))
        {
            (ulong, ulong)? known = _registrations[existing].Identity;
            if (identity is null || known is null || known == identity)
            {
                throw CalloopException.FromErrno("io_uring poll add", fd, Libc.EEXIST);
            }
            // The registered descriptor was closed while registered and its number now names another file.
            Delete(fd);
        }
        int slot = _freeCount > 0 ? _free[--_freeCount] : NewSlot();
        ref Registration r = ref _registrations[slot];
        r.InUse = true;
        r.Fd = fd;
        r.Identity = identity;
        r.Counter = false;
        r.Value = 0;
        Set(ref r, interest, mode, token);
        _slotOf[fd] = slot;
        QueueArm(slot);
        WakeWatcher();
    }

    /// <remarks>A counter stays one when modified to readable and level-triggered (a new token); otherwise it becomes a poll.</remarks>
    internal override void Modify(int fd, Interest interest, Mode mode, Token token)
    {
        ObjectDisposedException.ThrowIf(_sqes is null, this);
        if (!_slotOf.TryGetValue(fd, out int slot))
        {
            throw CalloopException.FromErrno("io_uring poll modify", fd, Libc.ENOENT);
        }
        ref Registration r = ref _registrations[slot];
        if (r.Counter)
        {
            Disarm(slot);
            if (interest == Interest.Readable && mode == Mode.Level)
            {
                // Back to the eventfd, for the new read to bring with the new token.
                HandBack(r.Duplicate!.Fd, r.Value);
                r.Value = 0;
            }
            else
            {
                EndCounter(ref r);
            }
        }
        else if (r.State == Armed)
        {
            QueueRemove(UserData(slot, r.Generation));
        }
        r.Generation++;
        Set(ref r, interest, mode, token);
        QueueArm(slot);
        WakeWatcher();
    }

    internal override void Delete(int fd)
    {
        ObjectDisposedException.ThrowIf(_sqes is null, this);
        if (!_slotOf.TryGetValue(fd, out int slot))
        {
            throw CalloopException.FromErrno("io_uring poll remove", fd, Libc.ENOENT);
        }
        ref Registration r = ref _registrations[slot];
        if (r.Counter)
        {
            // First, so that a failure leaves the registration as it was, its values with it.
            Disarm(slot);
            EndCounter(ref r);
        }
        _slotOf.Remove(fd);
        bool armed = r.State == Armed;
        if (armed)
        {
            QueueRemove(UserData(slot, r.Generation));
        }
        r.InUse = false;
        r.State = Idle;
        r.Generation++;
        r.Identity = null;
        if (_freeCount == _free.Length)
        {
            Array.Resize(ref _free, _free.Length * 2);
        }
        _free[_freeCount++] = slot;
        if (armed)
        {
            // At once: the request holds the file open until the kernel has seen the removal.
            Enter(0, 0, null, 0, "io_uring_enter (poll remove)");
        }
    }

    internal override int Wait(Span<PollEvent> events, long timeoutNs)
    {
        ObjectDisposedException.ThrowIf(_sqes is null, this);
        _wakePosted = false;
        ArmPending();
        bool toSubmit = _sqTailLocal != Volatile.Read(ref *_sqHead);
        bool completions = Volatile.Read(ref *_cqTail) != _cqHeadLocal || _heldCount > 0;
        if (timeoutNs == 0 || completions)
        {
            // Not blocking: a system call only when there is something to hand to the kernel or to take from it.
            if (toSubmit || (Volatile.Read(ref *_sqFlags) & (IoUring.IORING_SQ_CQ_OVERFLOW | IoUring.IORING_SQ_TASKRUN)) != 0)
            {
                Enter(0, IoUring.IORING_ENTER_GETEVENTS, null, 0, "io_uring_enter");
            }
        }
        else if (timeoutNs < 0)
        {
            Enter(1, IoUring.IORING_ENTER_GETEVENTS, null, 0, "io_uring_enter");
        }
        else
        {
            Timespec ts = Timespec.FromNanoseconds(WithEpollSlack(timeoutNs, _threadSlackNs));
            if (_extArg)
            {
                IoUring.GeteventsArg arg = new() { Ts = (ulong)&ts };
                Enter(1, IoUring.IORING_ENTER_GETEVENTS | IoUring.IORING_ENTER_EXT_ARG, &arg, (nuint)sizeof(IoUring.GeteventsArg), "io_uring_enter");
            }
            else
            {
                // Kernels before 5.11: a timeout request that ends after one completion or the time, whichever
                // comes first (the kernel copies the timespec when it takes the request, within this call).
                IoUring.Sqe* sqe = NextSqe();
                sqe->Opcode = IoUring.IORING_OP_TIMEOUT;
                sqe->Fd = -1;
                sqe->Addr = (ulong)&ts;
                sqe->Len = 1;
                sqe->Off = 1;
                sqe->UserData = InternalUserData;
                Enter(1, IoUring.IORING_ENTER_GETEVENTS, null, 0, "io_uring_enter");
            }
        }
        int n = Reap(events);
        if (_pendingCount > 0 || _heldCount > 0)
        {
            WakeWatcher();
        }
        return n;
    }

    /// <summary>
    /// A timed wait's timeout with the allowance the kernel gives a timed epoll_wait or poll (its
    /// <c>select_estimate_accuracy</c>): 0.1 % of the timeout, at least the thread's timer slack (50 µs unless
    /// changed with <c>prctl</c>; none for a real-time thread, whose slack is 0), at most 100 ms. An io_uring wait
    /// ends exactly at its timeout; without the same allowance an io_uring loop woke about three times as often as
    /// an epoll loop for timers with exact deadlines (S2: 11 226 dispatches against 3 925 for 100 000 timers over
    /// 200 ms) for the same guarantee: never early, and as late as an epoll loop.
    /// </summary>
    internal static long WithEpollSlack(long timeoutNs, long threadSlackNs)
    {
        const long MaxSlackNs = 100_000_000;
        if (threadSlackNs <= 0)
        {
            return timeoutNs;
        }
        long slack = Math.Max(Math.Min(timeoutNs / 1000, MaxSlackNs), threadSlackNs);
        return timeoutNs > long.MaxValue - slack ? long.MaxValue : timeoutNs + slack;
    }

    /// <summary>Takes completions into <paramref name="events"/>, dropping internal and stale ones; queues re-arms.</summary>
    private int Reap(Span<PollEvent> events)
    {
        uint head = _cqHeadLocal;
        uint tail = Volatile.Read(ref *_cqTail);
        if (head == tail && _heldCount == 0)
        {
            return 0;
        }
        uint stamp = ++_reapStamp;
        int n = _heldCount > 0 ? ReapHeld(events, stamp) : 0;
        while (head != tail && n < events.Length)
        {
            IoUring.Cqe cqe = _cqes[head & _cqMask];
            head++;
            Deliver(in cqe, events, ref n, stamp);
        }
        _cqHeadLocal = head;
        Volatile.Write(ref *_cqHead, head);
        return n;
    }

    /// <summary>Delivers the completions held back by <see cref="CancelRead"/>, oldest first.</summary>
    private int ReapHeld(Span<PollEvent> events, uint stamp)
    {
        int n = 0;
        int taken = 0;
        while (taken < _heldCount && n < events.Length)
        {
            Deliver(in _held[taken], events, ref n, stamp);
            taken++;
        }
        Array.Copy(_held, taken, _held, 0, _heldCount - taken);
        _heldCount -= taken;
        return n;
    }

    /// <summary>Turns one completion into an event (or merges it into this batch's event for the same registration).</summary>
    private void Deliver(in IoUring.Cqe cqe, Span<PollEvent> events, ref int n, uint stamp)
    {
        uint slot = (uint)cqe.UserData;
        if (slot >= (uint)_used)
        {
            return; // internal (removals, cancellations, no-ops, timeouts)
        }
        ref Registration r = ref _registrations[slot];
        if (!r.InUse || r.Generation != (uint)(cqe.UserData >> 32) || r.State != Armed)
        {
            // For a registration since modified or deleted (whose values were taken then: see CancelRead).
            if ((cqe.Flags & IoUring.IORING_CQE_F_BUFFER) != 0)
            {
                TakeValue(in cqe);
            }
            return;
        }
        Readiness readiness;
        if (r.Counter)
        {
            if (!CounterRead(in cqe, ref r, (int)slot))
            {
                return;
            }
            readiness = Readiness.Readable;
        }
        else if (cqe.Res < 0)
        {
            if (cqe.Res == -IoUring.ECANCELED && r.Mode != Mode.OneShot)
            {
                QueueArm((int)slot);
                return;
            }
            // Refused by the kernel: reported as an error, armed again only by Modify.
            r.State = Idle;
            readiness = Readiness.Error;
        }
        else
        {
            readiness = ToReadiness((uint)cqe.Res);
            if (r.Mode == Mode.Level || (r.Mode == Mode.Edge && (cqe.Flags & IoUring.IORING_CQE_F_MORE) == 0))
            {
                QueueArm((int)slot);
            }
            else if (r.Mode == Mode.OneShot)
            {
                r.State = Idle;
            }
            if (readiness == Readiness.None)
            {
                return;
            }
        }
        if (r.ReportedStamp == stamp && r.EventIndex < n && events[r.EventIndex].Token == r.Token)
        {
            // A multishot request completed twice in this batch: one event, as epoll would give.
            events[r.EventIndex] = new PollEvent(events[r.EventIndex].Readiness | readiness, r.Token);
            return;
        }
        r.ReportedStamp = stamp;
        r.EventIndex = n;
        events[n++] = new PollEvent(readiness, r.Token);
    }

    /// <summary>Writes a poll request for every registration waiting to be armed.</summary>
    private void ArmPending()
    {
        for (int i = 0; i < _pendingCount; i++)
        {
            int slot = _pending[i];
            ref Registration r = ref _registrations[slot];
            r.InPending = false;
            if (!r.InUse || r.State != NeedsArm)
            {
                continue;
            }
            IoUring.Sqe* sqe = NextSqe();
            sqe->Fd = r.Fd;
            sqe->UserData = UserData(slot, r.Generation);
            if (r.Counter)
            {
                // Reads each value as it arrives, into a buffer of the group, and waits inside the ring in between.
                sqe->Opcode = IoUring.IORING_OP_READ_MULTISHOT;
                sqe->Flags = IoUring.IOSQE_BUFFER_SELECT;
                sqe->BufIndex = CounterGroup; // len 0: the buffer's own length
            }
            else
            {
                sqe->Opcode = IoUring.IORING_OP_POLL_ADD;
                sqe->OpFlags = r.PollMask;
                sqe->Len = r.Mode == Mode.Edge ? IoUring.IORING_POLL_ADD_MULTI : 0;
            }
            r.State = Armed;
        }
        _pendingCount = 0;
    }

    private void QueueArm(int slot)
    {
        ref Registration r = ref _registrations[slot];
        r.State = NeedsArm;
        if (!r.InPending)
        {
            r.InPending = true;
            if (_pendingCount == _pending.Length)
            {
                Array.Resize(ref _pending, _pending.Length * 2);
            }
            _pending[_pendingCount++] = slot;
        }
    }

    private void QueueRemove(ulong target)
    {
        IoUring.Sqe* sqe = NextSqe();
        sqe->Opcode = IoUring.IORING_OP_POLL_REMOVE;
        sqe->Fd = -1;
        sqe->Addr = target;
        sqe->UserData = InternalUserData;
    }

    /// <summary>
    /// When the ring's descriptor is watched from outside and requests wait to be armed, makes it readable (a no-op
    /// request, completed at once), so that the watcher dispatches this loop and its next wait arms them.
    /// </summary>
    private void WakeWatcher()
    {
        if (!_watched || _wakePosted)
        {
            return;
        }
        _wakePosted = true;
        IoUring.Sqe* sqe = NextSqe();
        sqe->Opcode = IoUring.IORING_OP_NOP;
        sqe->Fd = -1;
        sqe->UserData = InternalUserData;
        Enter(0, 0, null, 0, "io_uring_enter (wake the watcher)");
    }

    /// <summary>The next free submission entry, cleared; hands the queued ones to the kernel first when the ring is full.</summary>
    private IoUring.Sqe* NextSqe()
    {
        if (_sqTailLocal - Volatile.Read(ref *_sqHead) >= _sqEntries)
        {
            Enter(0, 0, null, 0, "io_uring_enter (submission ring full)");
            if (_sqTailLocal - Volatile.Read(ref *_sqHead) >= _sqEntries)
            {
                throw CalloopException.FromErrno("io_uring_enter (submission ring full)", _ringFd, IoUring.EBUSY);
            }
        }
        IoUring.Sqe* sqe = &_sqes[_sqTailLocal & _sqMask];
        *sqe = default;
        _sqTailLocal++;
        return sqe;
    }

    /// <summary>
    /// Publishes the queued submissions and calls io_uring_enter. A wait interrupted by a signal, ended by its timeout
    /// or refused because completions overflowed (they are taken next) is not an error.
    /// </summary>
    private void Enter(uint minComplete, uint flags, void* arg, nuint argSize, string operation)
    {
        Volatile.Write(ref *_sqTail, _sqTailLocal);
        uint toSubmit = _sqTailLocal - Volatile.Read(ref *_sqHead);
        EnterCalls++;
        int rc = IoUring.Enter(_ringFd, toSubmit, minComplete, flags, arg, argSize);
        if (rc < 0)
        {
            int errno = -rc;
            if (errno != Libc.EINTR && errno != IoUring.ETIME && errno != IoUring.EBUSY && errno != Libc.EAGAIN)
            {
                throw CalloopException.FromErrno(operation, _ringFd, errno);
            }
        }
    }

    private static void Set(ref Registration r, Interest interest, Mode mode, Token token)
    {
        uint mask = 0;
        if ((interest & Interest.Readable) != 0)
        {
            mask |= (uint)(PollSys.POLLIN | PollSys.POLLRDHUP);
        }
        if ((interest & Interest.Writable) != 0)
        {
            mask |= (uint)PollSys.POLLOUT;
        }
        r.PollMask = mask;
        r.Mode = mode;
        r.Token = token;
    }

    private int NewSlot()
    {
        if (_used == _registrations.Length)
        {
            Array.Resize(ref _registrations, _registrations.Length * 2);
        }
        _registrations[_used].Generation = 1;
        return _used++;
    }

    private static ulong UserData(int slot, uint generation) => ((ulong)generation << 32) | (uint)slot;

    private static Readiness ToReadiness(uint revents)
    {
        Readiness r = Readiness.None;
        if ((revents & (uint)(PollSys.POLLIN | PollSys.POLLRDHUP | PollSys.POLLHUP)) != 0)
        {
            r |= Readiness.Readable;
        }
        if ((revents & (uint)PollSys.POLLOUT) != 0)
        {
            r |= Readiness.Writable;
        }
        if ((revents & (uint)(PollSys.POLLERR | PollSys.POLLNVAL)) != 0)
        {
            r |= Readiness.Error;
        }
        return r;
    }

    private void* Map(nuint size, long offset, string operation)
    {
        void* p = IoUring.Mmap(null, size, IoUring.PROT_READ | IoUring.PROT_WRITE, IoUring.MAP_SHARED | IoUring.MAP_POPULATE, _ringFd, offset);
        if (p == (void*)-1)
        {
            throw CalloopException.FromErrno(operation, _ringFd, Marshal.GetLastPInvokeError());
        }
        return p;
    }

    private static Exception SetupFailure(int errno)
    {
        if (errno == Libc.ENOSYS)
        {
            return new PlatformNotSupportedException($"{Feature}: this kernel has no io_uring (io_uring_setup failed with ENOSYS). Use Backend.Epoll, or Backend.IoUringOrEpoll to fall back to it.");
        }
        if (errno == Libc.EPERM)
        {
            return new PlatformNotSupportedException($"{Feature}: io_uring is disabled for this process (io_uring_setup failed with EPERM: /proc/sys/kernel/io_uring_disabled, or a seccomp policy such as a container's). Use Backend.Epoll, or Backend.IoUringOrEpoll to fall back to it.");
        }
        if (errno == Libc.EINVAL)
        {
            return new PlatformNotSupportedException($"{Feature}: this kernel's io_uring refused the setup (EINVAL); it is too old ({RuntimeInformation.OSDescription}; 5.13 or later is needed). Use Backend.Epoll, or Backend.IoUringOrEpoll to fall back to it.");
        }
        return CalloopException.FromErrno("io_uring_setup", null, errno);
    }

    public override void Dispose()
    {
        bool buffersFree = CancelCounterReads();
        if (_sqes is not null)
        {
            IoUring.Munmap(_sqes, _sqesSize);
            _sqes = null;
        }
        if (_cqMap is not null && _cqMap != _sqMap)
        {
            IoUring.Munmap(_cqMap, _cqMapSize);
        }
        _cqMap = null;
        if (_sqMap is not null)
        {
            IoUring.Munmap(_sqMap, _sqMapSize);
            _sqMap = null;
        }
        _ring?.Dispose();
        if (buffersFree && _bufRing is not null)
        {
            NativeMemory.AlignedFree(_bufRing);
            NativeMemory.Free(_bufValues);
            _bufRing = null;
            _bufValues = null;
        }
    }

    private struct Registration
    {
        internal int Fd;
        internal uint Generation;
        internal Token Token;
        internal uint PollMask;
        internal Mode Mode;
        internal byte State;
        internal bool InUse;
        internal bool InPending;
        internal uint ReportedStamp;
        internal int EventIndex;
        internal (ulong, ulong)? Identity;
        /// <summary>A counter: armed as a multishot read instead of a poll.</summary>
        internal bool Counter;
        /// <summary>
        /// A duplicate of a counter's eventfd, where its values are handed back (a handle, so that a loop that is never
        /// disposed does not leak it).
        /// </summary>
        internal FdHandle? Duplicate;
        /// <summary>What the counter's reads brought in since the source last took it.</summary>
        internal ulong Value;
    }
}
