using System;
using System.Runtime.CompilerServices;
using Calloop.Polling;
using Calloop.Sources;

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
/// <see cref="System.Threading.Channels.ChannelClosedException"/>. With an unmanaged message type, delivering a message allocates nothing.
/// </remarks>
/// <typeparam name="T">The message type.</typeparam>
public sealed class ChannelSource<T> : IEventSource<ChannelEvent<T>, Unit, Unit>, IDisposable
{
    private static readonly bool ClearSlots = RuntimeHelpers.IsReferenceOrContainsReferences<T>();

    private readonly ChannelState<T> _state;
    private T[] _output;
    private int _outIndex;
    private int _outCount;
    private bool _closePending;
    private bool _closedDelivered;
    private FdRegistration _registration;
    private bool _disposed;

    internal ChannelSource(ChannelState<T> state)
    {
        _state = state;
        _output = new T[state.InitialArraySize];
    }

    /// <summary>The shared queue (for tests).</summary>
    internal ChannelState<T> State => _state;

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.Register(poll, ref tokenFactory, _state.Notifier.ReadFd);
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.Reregister(poll, ref tokenFactory, _state.Notifier.ReadFd);
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        _registration.Unregister(poll, _state.Notifier.ReadFd);
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<ChannelEvent<T>, Unit, Unit>, allows ref struct
    {
        if (!_registration.Owns(token))
        {
            return PostAction.Continue;
        }
        // Consume the wake-up before looking at the queue: a message queued from here on finds the consumer
        // not notified (Swap clears the flag under the queue's lock) and writes the notifier again.
        _state.Notifier.Take(ChannelState<T>.ReadOperation);
        if (_closedDelivered)
        {
            return PostAction.Remove;
        }

        Unit metadata = default;
        int budget = Channel.MaxMessagesPerDispatch;
        int delivered = 0;
        bool finished = false;
        bool completed = false;
        try
        {
            while (true)
            {
                while (_outIndex < _outCount && budget > 0)
                {
                    ref T slot = ref _output[_outIndex++];
                    T message = slot;
                    if (ClearSlots)
                    {
                        slot = default!;
                    }
                    budget--;
                    delivered++;
                    callback.Invoke(ChannelEvent<T>.Of(message), ref metadata);
                }
                if (_outIndex < _outCount || budget == 0 || _closePending)
                {
                    break;
                }
                _outIndex = 0;
                _outCount = _state.Swap(ref _output, out _closePending);
                if (_outCount == 0)
                {
                    break;
                }
            }
            if (_closePending && _outIndex == _outCount)
            {
                _closedDelivered = true;
                callback.Invoke(ChannelEvent<T>.Closed, ref metadata);
                finished = true;
                return PostAction.Remove;
            }
            completed = true;
            return PostAction.Continue;
        }
        finally
        {
            if (_state.Capacity != 0 && delivered > 0)
            {
                _state.Release(delivered);
            }
            // Re-arm for what this dispatch left: messages over the budget (or possibly queued meanwhile, when the
            // budget ran out before the flag was cleared), a pending close, or anything at all after a callback threw:
            // this dispatch may not have swapped the queue, so the "notified" flag a later Send set is still up, its
            // wake-up consumed above, and no later Send would write again. A spurious wake-up costs one empty dispatch.
            if (!finished && (!completed || budget == 0 || _outIndex < _outCount || _closePending))
            {
                _state.Notify();
            }
        }
    }

    /// <summary>Closes the receiving side: queued messages are dropped and senders see <see cref="System.Threading.Channels.ChannelClosedException"/>. Harmless when repeated.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Array.Clear(_output);
            _state.CloseReceiver();
        }
    }
}
