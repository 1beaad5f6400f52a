using System;
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
/// The queue shared by a <see cref="ChannelSource{T}"/> and its <see cref="Sender{T}"/>s: two arrays swapped under
/// one lock. Senders append to the input array; the consumer swaps it for its own drained array in O(1) and
/// delivers from that outside the lock. The arrays grow when an unbounded channel outruns its consumer and never
/// shrink, so steady state allocates nothing.
/// </summary>
/// <remarks>
/// Wake-ups coalesce without ever being lost: a sender writes the notifier only when it finds the consumer not
/// already notified, and sets the flag under the lock. The consumer first consumes the notifier, then (under the
/// lock) clears the flag and takes the input. A message queued before the flag is cleared is taken in that same
/// step; one queued after it finds the flag clear and writes the notifier again.
/// A bounded channel counts both the queued messages and those taken but not yet delivered.
/// </remarks>
internal sealed class ChannelState<T>
{
    private const int InitialSize = 16;

    private readonly object _sync = new();
    private readonly int _capacity;
    private T[] _input;
    private int _inputCount;
    private int _outstanding;
    private bool _notified;
    private int _senders = 1;
    private bool _receiverClosed;
    private int _blockedSenders;
    private int _owners = 2;
    private TaskCompletionSource? _roomWaiters;

    internal ChannelState(int capacity)
    {
        _capacity = capacity;
        _input = new T[InitialArraySize];
        Notifier = new NotifyFd("channel");
    }

    internal const string ReadOperation = "read (channel notifier)";

    /// <summary>The descriptor that wakes the consumer: an eventfd on Linux, a pipe elsewhere.</summary>
    internal NotifyFd Notifier { get; }

    /// <summary>The bound, or 0 for an unbounded channel.</summary>
    internal int Capacity => _capacity;

    /// <summary>The size of a fresh array for either side.</summary>
    internal int InitialArraySize => _capacity == 0 ? InitialSize : Math.Min(InitialSize, _capacity);

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
                if (_capacity == 0 || _inputCount + _outstanding < _capacity)
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
            if (_inputCount == _input.Length)
            {
                Array.Resize(ref _input, _input.Length * 2);
            }
            _input[_inputCount++] = item;
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
    /// A task that completes once a bounded channel may have room or the receiver is gone (at once if so now). One task
    /// is shared by every waiting sender; its continuations never run on the loop thread that makes the room.
    /// </summary>
    internal Task WaitForRoomAsync()
    {
        lock (_sync)
        {
            if (_receiverClosed || _capacity == 0 || _inputCount + _outstanding < _capacity)
            {
                return Task.CompletedTask;
            }
            return (_roomWaiters ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>
    /// Consumer side: clears the "notified" flag and swaps the input array with <paramref name="output"/> (which
    /// must be drained, its slots cleared). Returns the number of messages now in <paramref name="output"/>;
    /// <paramref name="closed"/> is true when every sender is gone (no message can follow these).
    /// </summary>
    internal int Swap(ref T[] output, out bool closed)
    {
        lock (_sync)
        {
            _notified = false;
            int n = _inputCount;
            if (n > 0)
            {
                (_input, output) = (output, _input);
                _inputCount = 0;
                if (_capacity != 0)
                {
                    _outstanding += n;
                }
            }
            closed = _senders == 0;
            return n;
        }
    }

    /// <summary>Bounded channels: <paramref name="delivered"/> taken messages were delivered, making room for senders.</summary>
    internal void Release(int delivered)
    {
        TaskCompletionSource? waiters;
        lock (_sync)
        {
            _outstanding -= delivered;
            if (_blockedSenders > 0)
            {
                Monitor.PulseAll(_sync);
            }
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
        TaskCompletionSource? waiters;
        lock (_sync)
        {
            _receiverClosed = true;
            Array.Clear(_input);
            _inputCount = 0;
            Monitor.PulseAll(_sync);
            waiters = _roomWaiters;
            _roomWaiters = null;
        }
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
