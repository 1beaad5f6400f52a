using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Calloop.Interop;

namespace Calloop;

/// <summary>What an attempt to queue a message found.</summary>
internal enum EnqueueResult
{
    Sent,
    Full,
    Closed,
}

/// <summary>
/// The queue shared by a <see cref="ChannelSource{T}"/> and its <see cref="Sender{T}"/>s: a lock-free
/// <see cref="ConcurrentQueue{T}"/>, so that a send never waits for the loop and the loop waits for a sender only
/// between its taking a slot and filling it (with a lock between them, each contended hand-over cost microseconds of
/// spinning on both sides, and a busy channel fell into a mode of one wake-up per few dozen messages). The queue keeps
/// its largest segment for reuse and gives smaller drained ones back to the GC.
/// </summary>
/// <remarks>
/// Wake-ups coalesce without ever being lost: a sender queues its message, then writes the notifier only when it is
/// the one to raise the "notified" flag. The consumer consumes the notifier, takes messages until the queue looks
/// empty, then lowers the flag and looks once more (each side with a full fence between its write and its read): a
/// message queued before the flag went down is seen by that look; one queued after finds the flag down and writes
/// the notifier. While the consumer is delivering, senders write nothing.
/// A bounded channel counts both the queued messages and those taken but not yet delivered; only a sender that finds
/// it full takes the lock, to wait.
/// </remarks>
internal sealed class ChannelState<T>
{
    private readonly ConcurrentQueue<T> _queue = new();
    private readonly object _sync = new();
    private readonly int _capacity;
    private int _count;
    private int _notified;
    private int _senders = 1;
    private volatile bool _receiverClosed;
    private int _blockedSenders;
    private int _owners = 2;
    private TaskCompletionSource? _roomWaiters;

    internal ChannelState(int capacity)
    {
        _capacity = capacity;
        Notifier = new NotifyFd("channel");
    }

    internal const string ReadOperation = "read (channel notifier)";

    /// <summary>The descriptor that wakes the consumer: an eventfd on Linux, a pipe elsewhere.</summary>
    internal NotifyFd Notifier { get; }

    /// <summary>The bound, or 0 for an unbounded channel.</summary>
    internal int Capacity => _capacity;

    /// <summary>True once the source was disposed (removed from its loop or never inserted and disposed).</summary>
    internal bool ReceiverClosed => _receiverClosed;

    /// <summary>True once every sender is gone; every message they sent is in the queue by then.</summary>
    private bool SendersGone => Volatile.Read(ref _senders) == 0;

    internal EnqueueResult Enqueue(T item, bool block)
    {
        if (_receiverClosed)
        {
            return EnqueueResult.Closed;
        }
        if (_capacity != 0 && !TryReserve() && !WaitForRoom(block, out EnqueueResult refused))
        {
            return refused;
        }
        _queue.Enqueue(item);
        if (_receiverClosed)
        {
            // The receiver went while this message was being queued: nobody will take it, so let it go (as it would
            // have gone had it been queued just before).
            _queue.Clear();
        }
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _notified) == 0 && Interlocked.Exchange(ref _notified, 1) == 0)
        {
            Notify();
        }
        return EnqueueResult.Sent;
    }

    /// <summary>Bounded channels: takes one unit of room, if there is any.</summary>
    private bool TryReserve()
    {
        int count = Volatile.Read(ref _count);
        while (count < _capacity)
        {
            int seen = Interlocked.CompareExchange(ref _count, count + 1, count);
            if (seen == count)
            {
                return true;
            }
            count = seen;
        }
        return false;
    }

    /// <summary>Bounded channels, full: false (with the reason) unless <paramref name="block"/> and room came.</summary>
    private bool WaitForRoom(bool block, out EnqueueResult refused)
    {
        refused = EnqueueResult.Full;
        if (!block)
        {
            return false;
        }
        lock (_sync)
        {
            // Announce the wait before looking again (the consumer makes room, then looks for waiters).
            Interlocked.Increment(ref _blockedSenders);
            try
            {
                while (true)
                {
                    if (_receiverClosed)
                    {
                        refused = EnqueueResult.Closed;
                        return false;
                    }
                    if (TryReserve())
                    {
                        return true;
                    }
                    Monitor.Wait(_sync);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _blockedSenders);
            }
        }
    }

    /// <summary>
    /// A task that completes once a bounded channel may have room or the receiver is gone (at once if so now). One task
    /// is shared by every waiting sender; its continuations never run on the loop thread that makes the room.
    /// </summary>
    internal Task WaitForRoomAsync()
    {
        lock (_sync)
        {
            if (HasRoomOrIsClosed())
            {
                return Task.CompletedTask;
            }
            var waiters = _roomWaiters ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Published before the count is read again, as the consumer frees room before it looks for waiters.
            Interlocked.MemoryBarrier();
            if (HasRoomOrIsClosed())
            {
                _roomWaiters = null;
                waiters.TrySetResult();
            }
            return waiters.Task;
        }
    }

    private bool HasRoomOrIsClosed() => _receiverClosed || _capacity == 0 || Volatile.Read(ref _count) < _capacity;

    /// <summary>Consumer side: the next message, if the queue holds one.</summary>
    internal bool TryTake(out T item) => _queue.TryDequeue(out item!);

    /// <summary>
    /// Consumer side, when the queue looked empty: lowers the "notified" flag and looks again. True when the queue is
    /// still empty (a message sent from now on writes the notifier), with <paramref name="closed"/> true when no
    /// message can follow; false when a message came in meanwhile (the flag is raised again: keep taking).
    /// </summary>
    internal bool LowerFlagIfEmpty(out bool closed)
    {
        Volatile.Write(ref _notified, 0);
        Interlocked.MemoryBarrier();
        // Read before the queue: once every sender is gone, all they sent is already queued.
        closed = SendersGone;
        if (_queue.IsEmpty)
        {
            return true;
        }
        Volatile.Write(ref _notified, 1);
        return false;
    }

    /// <summary>Bounded channels: <paramref name="delivered"/> taken messages were delivered, making room for senders.</summary>
    internal void Release(int delivered)
    {
        Interlocked.Add(ref _count, -delivered);
        if (Volatile.Read(ref _blockedSenders) == 0 && Volatile.Read(ref _roomWaiters) is null)
        {
            return;
        }
        TaskCompletionSource? waiters;
        lock (_sync)
        {
            Monitor.PulseAll(_sync);
            waiters = _roomWaiters;
            _roomWaiters = null;
        }
        waiters?.TrySetResult();
    }

    /// <summary>Writes the notifier (a no-op once every owner is gone).</summary>
    internal void Notify() => Notifier.Add(1, "write (channel notifier)");

    internal void AddSender()
    {
        lock (_sync)
        {
            _senders++;
            _owners++;
        }
    }

    /// <summary>A sender is gone; the last one wakes the consumer so that it can report the channel closed.</summary>
    internal void RemoveSender()
    {
        bool last;
        lock (_sync)
        {
            last = --_senders == 0;
        }
        if (last && Interlocked.Exchange(ref _notified, 1) == 0)
        {
            Notify();
        }
        Release();
    }

    /// <summary>The consumer is gone: queued messages are dropped and blocked or later senders are told so.</summary>
    internal void CloseReceiver()
    {
        TaskCompletionSource? waiters;
        lock (_sync)
        {
            _receiverClosed = true;
            Monitor.PulseAll(_sync);
            waiters = _roomWaiters;
            _roomWaiters = null;
        }
        _queue.Clear();
        waiters?.TrySetResult();
        Release();
    }

    private void Release()
    {
        bool last;
        lock (_sync)
        {
            last = --_owners == 0;
        }
        if (last)
        {
            Notifier.Dispose();
        }
    }
}
