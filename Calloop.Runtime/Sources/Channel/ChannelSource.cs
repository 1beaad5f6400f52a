using System;
using System.Runtime.CompilerServices;
using Calloop.Interop;

namespace Calloop;

/// <summary>
/// The receiving side of a channel: an event source delivering each message sent through its
/// <see cref="Sender{T}"/>s, in order per sender, on the loop's thread; then, once every sender is disposed and
/// every message delivered, one <see cref="ChannelEvent{T}.IsClosed"/> event, after which it removes itself.
/// </summary>
/// <remarks>
/// At most <see cref="Channel.MaxMessagesPerDispatch"/> messages are delivered per dispatch; the source re-arms
/// itself for the rest so that other sources get their turn. When a callback throws, the messages already taken
/// from the queue but not yet delivered are kept and delivered first in the next dispatch. Disposing the source
/// (the loop does when it removes it) drops queued messages and makes later sends throw
/// <see cref="ChannelClosedException"/>. With an unmanaged message type, delivering a message allocates nothing.
/// </remarks>
/// <typeparam name="T">The message type.</typeparam>
public sealed class ChannelSource<T> : IEventSource<ChannelEvent<T>, Unit, Unit>, IDisposable
{
    private const int BatchSize = 256;
    private static readonly bool ClearSlots = RuntimeHelpers.IsReferenceOrContainsReferences<T>();

    private readonly ChannelState<T> _state;
    private readonly T[] _batch;
    private int _batchIndex;
    private int _batchCount;
    private bool _closePending;
    private bool _closedDelivered;
    private Token _token;
    private bool _registered;
    private bool _disposed;

    internal ChannelSource(ChannelState<T> state)
    {
        _state = state;
        _batch = new T[state.Capacity == 0 ? BatchSize : Math.Min(BatchSize, state.Capacity)];
    }

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Token token = tokenFactory.NextToken();
        poll.Register(_state.Fd.Fd, Interest.Readable, Mode.Level, token);
        _token = token;
        _registered = true;
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Token token = tokenFactory.NextToken();
        poll.Reregister(_state.Fd.Fd, Interest.Readable, Mode.Level, token);
        _token = token;
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        if (_registered)
        {
            _registered = false;
            poll.Unregister(_state.Fd.Fd);
        }
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<ChannelEvent<T>, Unit, Unit>, allows ref struct
    {
        if (token != _token || !_registered)
        {
            return PostAction.Continue;
        }
        // Consume the wake-up before looking at the queue: a message queued from here on finds the consumer
        // not notified (Take clears the flag under the queue's lock) and writes the eventfd again.
        Libc.ReadCounter(_state.Fd.Fd, out _, "read (channel eventfd)");
        if (_closedDelivered)
        {
            return PostAction.Remove;
        }

        Unit metadata = default;
        int budget = Channel.MaxMessagesPerDispatch;
        bool more = false;
        bool finished = false;
        try
        {
            while (true)
            {
                while (_batchIndex < _batchCount && budget > 0)
                {
                    ref T slot = ref _batch[_batchIndex++];
                    T message = slot;
                    if (ClearSlots)
                    {
                        slot = default!;
                    }
                    budget--;
                    callback.Invoke(ChannelEvent<T>.Of(message), ref metadata);
                }
                if (_batchIndex < _batchCount || budget == 0 || _closePending)
                {
                    break;
                }
                _batchIndex = 0;
                _batchCount = _state.Take(_batch, Math.Min(budget, _batch.Length), out more, out _closePending);
                if (_batchCount == 0)
                {
                    break;
                }
            }
            if (_closePending && _batchIndex == _batchCount)
            {
                _closedDelivered = true;
                callback.Invoke(ChannelEvent<T>.Closed, ref metadata);
                finished = true;
                return PostAction.Remove;
            }
            return PostAction.Continue;
        }
        finally
        {
            // Re-arm for what this dispatch left: messages over the budget, messages taken but not delivered
            // because a callback threw, a pending close, or removal after a throwing closing callback.
            if (!finished && (more || _batchIndex < _batchCount || _closePending))
            {
                _state.Notify();
            }
        }
    }

    /// <summary>Closes the receiving side: queued messages are dropped and senders see <see cref="ChannelClosedException"/>. Harmless when repeated.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Array.Clear(_batch);
            _state.CloseReceiver();
        }
    }
}
