using System;
using System.Runtime.InteropServices;
using System.Threading;
using Calloop.Interop;
using Calloop.Sources;

namespace Calloop.Polling;

/// <summary>
/// The io_uring backend's counters: eventfds read inside the ring by one multishot read each, into buffers from a
/// provided-buffer ring, and everything that keeps their values exact when they are modified, deleted or disposed
/// (see the class remarks in IoUringBackend.cs).
/// </summary>
internal sealed unsafe partial class IoUringBackend
{
    /// <summary>How many 8-byte buffers the counters' reads share; a read finding none ends and is armed again.</summary>
    private const ushort CounterBuffers = 256;
    private const ushort CounterGroup = 0;

    // Completions taken out of the ring while waiting for a cancelled read (see CancelRead), delivered first by the next wait.
    private IoUring.Cqe[] _held = new IoUring.Cqe[16];
    private int _heldCount;

    // The counters' provided-buffer ring (one page of entries) and the values its buffers point into; null where the
    // kernel cannot read counters in the ring.
    private IoUring.Buf* _bufRing;
    private ulong* _bufValues;
    private ushort _bufTail;

    /// <summary>Completions taken out of the ring while a counter's read was cancelled, waiting for the next wait (tests).</summary>
    internal int HeldCompletions => _heldCount;

    /// <summary>True when counters are multishot reads in the ring (Linux 6.7 or later), false when they are polls.</summary>
    internal bool ReadsCounters => _bufRing is not null;

    /// <summary>
    /// Registers the counters' buffer ring where the kernel has multishot reads (6.7) and provided-buffer rings (5.19);
    /// leaves <see cref="ReadsCounters"/> false otherwise.
    /// </summary>
    private void SetUpCounterBuffers()
    {
        if (!IoUring.Supports(_ringFd, IoUring.IORING_OP_READ_MULTISHOT))
        {
            return;
        }
        nuint ringSize = CounterBuffers * (nuint)sizeof(IoUring.Buf);
        var ring = (IoUring.Buf*)NativeMemory.AlignedAlloc(ringSize, 4096);
        NativeMemory.Clear(ring, ringSize);
        IoUring.BufReg reg = new() { RingAddr = (ulong)ring, RingEntries = CounterBuffers, Bgid = CounterGroup };
        if (IoUring.Register(_ringFd, IoUring.IORING_REGISTER_PBUF_RING, &reg, 1) < 0)
        {
            NativeMemory.AlignedFree(ring);
            return;
        }
        _bufRing = ring;
        _bufValues = (ulong*)NativeMemory.AllocZeroed(CounterBuffers, sizeof(ulong));
        for (ushort bid = 0; bid < CounterBuffers; bid++)
        {
            Recycle(bid);
        }
    }

    /// <summary>Gives buffer <paramref name="bid"/> back to the ring (its entry first, then the tail).</summary>
    private void Recycle(ushort bid)
    {
        IoUring.Buf* entry = &_bufRing[_bufTail & (CounterBuffers - 1)];
        entry->Addr = (ulong)(_bufValues + bid);
        entry->Len = sizeof(ulong);
        entry->Bid = bid;
        _bufTail++;
        // The tail overlays the first entry's last two bytes.
        Volatile.Write(ref _bufRing->Resv, _bufTail);
    }

    /// <summary>The value a counter's completion brought (0 for none), its buffer given back to the ring.</summary>
    private ulong TakeValue(in IoUring.Cqe cqe)
    {
        if ((cqe.Flags & IoUring.IORING_CQE_F_BUFFER) == 0)
        {
            return 0;
        }
        ushort bid = (ushort)(cqe.Flags >> IoUring.IORING_CQE_BUFFER_SHIFT);
        ulong value = cqe.Res == sizeof(ulong) ? Volatile.Read(ref _bufValues[bid]) : 0;
        Recycle(bid);
        return value;
    }

    /// <summary>Registers an eventfd as a counter: a read kept armed in the ring (see the class remarks).</summary>
    internal override void AddCounter(int fd, Token token)
    {
        Add(fd, Interest.Readable, Mode.Level, token);
        if (!ReadsCounters)
        {
            return;
        }
        // Values are handed back through a duplicate: the number may name another file by then (closed behind the
        // loop's back and reused), while the duplicate keeps the eventfd itself. Without one it stays a poll.
        int duplicate = Libc.Fcntl(fd, Libc.F_DUPFD_CLOEXEC_LINUX, 0);
        if (duplicate >= 0)
        {
            ref Registration r = ref _registrations[_slotOf[fd]];
            r.Counter = true;
            r.Duplicate = new FdHandle(duplicate);
        }
    }

    internal override bool TryTakeCounter(int fd, out ulong value)
    {
        if (_slotOf.TryGetValue(fd, out int slot) && _registrations[slot].Counter)
        {
            ref Registration r = ref _registrations[slot];
            value = r.Value;
            r.Value = 0;
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>
    /// Takes a counter read's completion: its value is kept for <see cref="TryTakeCounter"/>, and a read that ended
    /// (cancelled, out of buffers) is armed again. Returns true when there is an event to deliver. A read the kernel
    /// refused otherwise turns the registration into a level-triggered poll, armed at once, with its values handed
    /// back: the source then reads the eventfd itself, as on any other backend, and meets whatever failed.
    /// </summary>
    private bool CounterRead(in IoUring.Cqe cqe, ref Registration r, int slot)
    {
        bool more = (cqe.Flags & IoUring.IORING_CQE_F_MORE) != 0;
        if (cqe.Res >= 0 || cqe.Res == -IoUring.ECANCELED || cqe.Res == -IoUring.ENOBUFS)
        {
            ulong value = TakeValue(in cqe);
            r.Value += value;
            if (!more)
            {
                QueueArm(slot);
            }
            return value != 0;
        }
        r.Value += TakeValue(in cqe);
        EndCounter(ref r);
        QueueArm(slot);
        return false;
    }

    /// <summary>
    /// Stops a counter's read, at once: afterwards its <see cref="Registration.Value"/> holds every value the ring read
    /// for it that no source took. A watcher is told again when completions were held back or arms wait (the
    /// cancellation may have taken the no-op that told it).
    /// </summary>
    private void Disarm(int slot)
    {
        ref Registration r = ref _registrations[slot];
        if (r.State != Armed)
        {
            return;
        }
        CancelRead(slot, UserData(slot, r.Generation));
        r.State = Idle;
        _wakePosted = false;
        if (_heldCount > 0 || _pendingCount > 0)
        {
            WakeWatcher();
        }
    }

    /// <summary>Makes a counter a plain poll: its values go back to the eventfd and its duplicate is closed.</summary>
    private static void EndCounter(ref Registration r)
    {
        HandBack(r.Duplicate!.Fd, r.Value);
        r.Value = 0;
        r.Duplicate.Dispose();
        r.Duplicate = null;
        r.Counter = false;
    }

    /// <summary>
    /// Cancels the multishot read <paramref name="target"/> and takes its completions up to its last one (the one
    /// without IORING_CQE_F_MORE), holding back every other completion that comes first. The values those completions
    /// brought are added to the registration's as they are taken, so that a failure half-way loses none.
    /// </summary>
    private void CancelRead(int slot, ulong target)
    {
        ref ulong value = ref _registrations[slot].Value;
        bool cancelSent = false;
        while (true)
        {
            for (int i = 0; i < _heldCount; i++)
            {
                if (_held[i].UserData == target)
                {
                    IoUring.Cqe cqe = _held[i];
                    Array.Copy(_held, i + 1, _held, i, _heldCount - i - 1);
                    _heldCount--;
                    i--;
                    value += TakeValue(in cqe);
                    if ((cqe.Flags & IoUring.IORING_CQE_F_MORE) == 0)
                    {
                        return;
                    }
                }
            }
            uint tail = Volatile.Read(ref *_cqTail);
            while (_cqHeadLocal != tail)
            {
                IoUring.Cqe cqe = _cqes[_cqHeadLocal & _cqMask];
                _cqHeadLocal++;
                if (cqe.UserData == target)
                {
                    value += TakeValue(in cqe);
                    if ((cqe.Flags & IoUring.IORING_CQE_F_MORE) == 0)
                    {
                        Volatile.Write(ref *_cqHead, _cqHeadLocal);
                        return;
                    }
                }
                else if ((uint)cqe.UserData < (uint)_used)
                {
                    Hold(in cqe);
                }
            }
            Volatile.Write(ref *_cqHead, _cqHeadLocal);
            if (!cancelSent)
            {
                IoUring.Sqe* sqe = NextSqe();
                sqe->Opcode = IoUring.IORING_OP_ASYNC_CANCEL;
                sqe->Fd = -1;
                sqe->Addr = target;
                sqe->UserData = InternalUserData;
                Enter(0, 0, null, 0, "io_uring_enter (cancel a counter read)");
                cancelSent = true;
            }
            else
            {
                Enter(1, IoUring.IORING_ENTER_GETEVENTS, null, 0, "io_uring_enter (wait for a cancelled counter read)");
            }
        }
    }

    private void Hold(in IoUring.Cqe cqe)
    {
        if (_heldCount == _held.Length)
        {
            Array.Resize(ref _held, _held.Length * 2);
        }
        _held[_heldCount++] = cqe;
    }

    /// <summary>Writes a counter value that the ring read and no source took back to its eventfd (through its duplicate).</summary>
    private static void HandBack(int duplicate, ulong value)
    {
        if (value != 0)
        {
            Libc.WriteCounter(duplicate, value, "write (io_uring counter hand-back)");
        }
    }

    /// <summary>
    /// Cancels every armed counter read, handing its values back, so that the kernel writes to no buffer once they are
    /// freed. Returns false when that failed: the buffers are then left allocated (6 KiB) rather than freed under a
    /// read.
    /// </summary>
    private bool CancelCounterReads()
    {
        if (_sqes is null)
        {
            return true;
        }
        try
        {
            for (int i = 0; i < _used; i++)
            {
                ref Registration r = ref _registrations[i];
                if (r.InUse && r.Counter)
                {
                    Disarm(i);
                    EndCounter(ref r);
                }
            }
            return true;
        }
        catch (CalloopException)
        {
            for (int i = 0; i < _used; i++)
            {
                if (_registrations[i].Counter)
                {
                    _registrations[i].Duplicate?.Dispose();
                    _registrations[i].Duplicate = null;
                    _registrations[i].Counter = false;
                }
            }
            return false;
        }
    }
}
