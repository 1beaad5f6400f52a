using System;
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
/// itself for the rest so that other sources get their turn. When a callback throws, the messages after the one it
/// was given stay queued and are delivered in the next dispatch. Disposing the source (the loop does when it removes
/// it) drops queued messages and makes later sends throw <see cref="System.Threading.Channels.ChannelClosedException"/>.
/// Delivering a message allocates nothing; sending allocates only when a backlog outgrows every earlier one.
/// </remarks>
/// <typeparam name="T">The message type.</typeparam>
public sealed class ChannelSource<T> : IEventSource<ChannelEvent<T>, Unit, Unit>, IDisposable
{
    private readonly ChannelState<T> _state;
    private bool _closedDelivered;
    private FdRegistration _registration;
    private bool _disposed;

    internal ChannelSource(ChannelState<T> state)
    {
        _state = state;
    }

    /// <summary>The shared queue (for tests).</summary>
    internal ChannelState<T> State => _state;

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.RegisterCounter(poll, ref tokenFactory, _state.Notifier);
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
        // Consume the wake-up before looking at the queue: the flag stays raised until this dispatch finds the queue
        // empty, so senders write nothing meanwhile, and one that queues after the flag went down writes again.
        _registration.TakeCounter(_state.Notifier, ChannelState<T>.ReadOperation);
        if (_closedDelivered)
        {
            return PostAction.Remove;
        }

        Unit metadata = default;
        int budget = Channel.MaxMessagesPerDispatch;
        int delivered = 0;
        bool idle = false;
        try
        {
            while (true)
            {
                while (budget > 0 && _state.TryTake(out T message))
                {
                    budget--;
                    delivered++;
                    callback.Invoke(ChannelEvent<T>.Of(message), ref metadata);
                }
                if (budget == 0)
                {
                    return PostAction.Continue;
                }
                if (_state.LowerFlagIfEmpty(out bool closed))
                {
                    if (!closed)
                    {
                        idle = true;
                        return PostAction.Continue;
                    }
                    // If this callback throws, the source stays (with most error policies) and no sender is left to
                    // wake it: the finally re-arms, and the next dispatch removes it.
                    _closedDelivered = true;
                    callback.Invoke(ChannelEvent<T>.Closed, ref metadata);
                    idle = true;
                    return PostAction.Remove;
                }
            }
        }
        finally
        {
            if (_state.Capacity != 0 && delivered > 0)
            {
                _state.Release(delivered);
            }
            // The flag is still raised unless the queue was found idle: no sender will write, so re-arm for what
            // this dispatch left (messages over the budget, the rest after a callback threw, or the removal after a
            // Closed callback threw). A spurious wake-up costs one empty dispatch.
            if (!idle)
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
            _state.CloseReceiver();
        }
    }
}
