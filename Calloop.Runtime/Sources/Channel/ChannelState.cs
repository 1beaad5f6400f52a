using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;
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
/// The queue shared by a <see cref="ChannelSource{T}"/> and its <see cref="Sender{T}"/>s: a ring buffer behind one
/// lock (it grows when an unbounded channel outruns its consumer and never shrinks, so steady state allocates
/// nothing), and an eventfd that wakes the loop.
/// </summary>
/// <remarks>
/// Wake-ups coalesce without ever being lost: a sender writes the eventfd only when it finds the consumer not
/// already notified, and sets the flag under the lock. The consumer first consumes the eventfd, then (under the
/// lock) clears the flag and takes the messages. A message queued before the flag is cleared is taken in that same
/// step; one queued after it finds the flag clear and writes the eventfd again.
/// </remarks>
internal sealed class ChannelState<T>
{
    private static readonly bool ClearSlots = RuntimeHelpers.IsReferenceOrContainsReferences<T>();

    private readonly object _sync = new();
    private readonly int _capacity;
    private T[] _ring;
    private int _head;
    private int _count;
    private bool _notified;
    private int _senders = 1;
    private bool _receiverClosed;
    private int _blockedSenders;
    private int _owners = 2;

    internal ChannelState(int capacity)
    {
        _capacity = capacity;
        _ring = new T[capacity == 0 ? 16 : (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)capacity), 1u << 30)];
        Fd = EventFd.CreateHandle("eventfd (channel)");
    }

    internal FdHandle Fd { get; }

    /// <summary>The bound, or 0 for an unbounded channel.</summary>
    internal int Capacity => _capacity;

    /// <summary>True once the source was disposed (removed from its loop or never inserted and disposed).</summary>
    internal bool ReceiverClosed => Volatile.Read(ref _receiverClosed);

    internal EnqueueResult Enqueue(T item, bool block)
    {
        bool wake;
        lock (_sync)
        {
            while (true)
            {
                if (_receiverClosed)
                {
                    return EnqueueResult.Closed;
                }
                if (_capacity == 0 || _count < _capacity)
                {
                    break;
                }
                if (!block)
                {
                    return EnqueueResult.Full;
                }
                _blockedSenders++;
                try
                {
                    Monitor.Wait(_sync);
                }
                finally
                {
                    _blockedSenders--;
                }
            }
            if (_count == _ring.Length)
            {
                Grow();
            }
            _ring[(_head + _count) & (_ring.Length - 1)] = item;
            _count++;
            wake = !_notified;
            _notified = true;
        }
        if (wake)
        {
            Notify();
        }
        return EnqueueResult.Sent;
    }

    /// <summary>
    /// Moves up to <paramref name="max"/> messages into <paramref name="batch"/> (consumer side). Clears the
    /// "notified" flag when it empties the queue; when messages remain the flag stays set and
    /// <paramref name="more"/> tells the caller to re-arm. <paramref name="closed"/> is true when the queue is empty
    /// and every sender is gone.
    /// </summary>
    internal int Take(Span<T> batch, int max, out bool more, out bool closed)
    {
        lock (_sync)
        {
            _notified = false;
            int n = Math.Min(max, _count);
            int mask = _ring.Length - 1;
            for (int i = 0; i < n; i++)
            {
                ref T slot = ref _ring[(_head + i) & mask];
                batch[i] = slot;
                if (ClearSlots)
                {
                    slot = default!;
                }
            }
            _head = (_head + n) & mask;
            _count -= n;
            more = _count > 0;
            if (more)
            {
                _notified = true;
            }
            closed = _count == 0 && _senders == 0;
            if (n > 0 && _blockedSenders > 0)
            {
                Monitor.PulseAll(_sync);
            }
            return n;
        }
    }

    /// <summary>Writes the eventfd (a no-op once every owner is gone).</summary>
    internal void Notify()
    {
        bool added = false;
        try
        {
            Fd.DangerousAddRef(ref added);
            Libc.WriteCounter(Fd.Fd, 1, "write (channel eventfd)");
        }
        catch (ObjectDisposedException)
        {
            // Nobody is left to wake.
        }
        finally
        {
            if (added)
            {
                Fd.DangerousRelease();
            }
        }
    }

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
        bool wake;
        lock (_sync)
        {
            _senders--;
            wake = _senders == 0 && !_notified;
            if (wake)
            {
                _notified = true;
            }
        }
        if (wake)
        {
            Notify();
        }
        Release();
    }

    /// <summary>The consumer is gone: queued messages are dropped and blocked or later senders are told so.</summary>
    internal void CloseReceiver()
    {
        lock (_sync)
        {
            _receiverClosed = true;
            Array.Clear(_ring);
            _count = 0;
            _head = 0;
            Monitor.PulseAll(_sync);
        }
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
            Fd.Dispose();
        }
    }

    private void Grow()
    {
        var larger = new T[_ring.Length * 2];
        int mask = _ring.Length - 1;
        for (int i = 0; i < _count; i++)
        {
            larger[i] = _ring[(_head + i) & mask];
        }
        _ring = larger;
        _head = 0;
    }
}
