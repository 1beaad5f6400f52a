using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Calloop;

/// <summary>
/// The sending side of a channel made by <see cref="Channel.Create{T}"/> or <see cref="Channel.CreateBounded{T}"/>.
/// Thread-safe: any number of threads may send through one sender. Disposing it means this sender is gone; once
/// every sender (the first and its <see cref="Clone"/>s) is disposed, the source delivers
/// <see cref="ChannelEvent{T}.IsClosed"/> after the last message and removes itself.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class Sender<T> : IDisposable
{
    private readonly ChannelState<T> _state;
    private int _disposed;

    internal Sender(ChannelState<T> state) => _state = state;

    /// <summary>True once the receiving source is gone: every send would throw <see cref="ChannelClosedException"/>.</summary>
    public bool IsReceiverClosed => _state.ReceiverClosed;

    /// <summary>
    /// Queues <paramref name="message"/>. On a bounded channel that is full, blocks until the loop has taken a
    /// message (or the receiver is gone). Never blocks on an unbounded channel. On the loop's own thread use
    /// <see cref="TrySend"/> for a bounded channel: only the loop makes room, so a blocked send there never returns.
    /// </summary>
    /// <exception cref="ChannelClosedException">The receiving source is gone.</exception>
    /// <exception cref="ObjectDisposedException">This sender was disposed.</exception>
    public void Send(T message)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_state.Enqueue(message, block: true) == EnqueueResult.Closed)
        {
            throw Closed();
        }
    }

    /// <summary>Queues <paramref name="message"/> if there is room; never blocks.</summary>
    /// <returns>False when a bounded channel is full (the message was not queued).</returns>
    /// <exception cref="ChannelClosedException">The receiving source is gone.</exception>
    /// <exception cref="ObjectDisposedException">This sender was disposed.</exception>
    public bool TrySend(T message)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _state.Enqueue(message, block: false) switch
        {
            EnqueueResult.Sent => true,
            EnqueueResult.Full => false,
            _ => throw Closed(),
        };
    }

    /// <summary>
    /// Queues <paramref name="message"/>, waiting without blocking a thread while a bounded channel is full.
    /// </summary>
    /// <remarks>
    /// When there is room (always on an unbounded channel) the message is queued before this returns and the returned
    /// task is already complete: nothing is allocated. Otherwise the task completes once the loop has made room and the
    /// message is queued. Safe on the loop's own thread, unlike <see cref="Send"/>. Thread-safe.
    /// </remarks>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the wait for room; a cancelled send queues nothing.</param>
    /// <exception cref="ObjectDisposedException">This sender was disposed.</exception>
    /// <returns>A task that fails with <see cref="ChannelClosedException"/> if the receiving source is gone, or with
    /// <see cref="OperationCanceledException"/> if <paramref name="cancellationToken"/> was cancelled first.</returns>
    public ValueTask SendAsync(T message, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        return _state.Enqueue(message, block: false) switch
        {
            EnqueueResult.Sent => default,
            EnqueueResult.Full => SendWhenThereIsRoomAsync(message, cancellationToken),
            _ => ValueTask.FromException(Closed()),
        };
    }

    /// <summary>
    /// Creates a <see cref="ChannelWriter{T}"/> over this sender, so that code written against
    /// <see cref="System.Threading.Channels"/> can feed the loop.
    /// </summary>
    /// <remarks>
    /// Writes go through <see cref="TrySend"/> and <see cref="SendAsync"/>. Completing the writer disposes this sender
    /// (an error passed to <see cref="ChannelWriter{T}.TryComplete"/> is not carried: the source sees
    /// <see cref="ChannelEvent{T}.IsClosed"/> once every sender is gone). Once the receiving source is gone, writes
    /// fail with <see cref="ChannelClosedException"/>, as a completed channel's would.
    /// </remarks>
    /// <returns>A writer that owns this sender.</returns>
    public ChannelWriter<T> AsChannelWriter() => new SenderChannelWriter<T>(this);

    /// <summary>The exception a send fails with once the receiving source is gone.</summary>
    private static ChannelClosedException Closed() =>
        new("The channel's receiving source is gone (removed from its event loop or disposed): the message was not sent.");

    /// <summary>Waits for room (or a closed receiver); false when the receiver is gone.</summary>
    internal async ValueTask<bool> WaitToSendAsync(CancellationToken cancellationToken)
    {
        await _state.WaitForRoomAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return !_state.ReceiverClosed;
    }

    private async ValueTask SendWhenThereIsRoomAsync(T message, CancellationToken cancellationToken)
    {
        while (true)
        {
            await _state.WaitForRoomAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            switch (_state.Enqueue(message, block: false))
            {
                case EnqueueResult.Sent:
                    return;
                case EnqueueResult.Closed:
                    throw Closed();
            }
        }
    }

    /// <summary>Another sender for the same channel; the channel stays open until every sender is disposed.</summary>
    /// <exception cref="ObjectDisposedException">This sender was disposed.</exception>
    public Sender<T> Clone()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _state.AddSender();
        return new Sender<T>(_state);
    }

    /// <summary>Drops this sender. Harmless when repeated.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            GC.SuppressFinalize(this);
            _state.RemoveSender();
        }
    }

    /// <summary>
    /// A sender collected without <see cref="Dispose"/> is dropped then, as calloop drops a sender that goes out of
    /// scope; but a collection may come late or never, so dispose every sender.
    /// </summary>
    ~Sender()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                _state.RemoveSender();
            }
            catch (CalloopException)
            {
                // The wake-up could not be written (the loop is gone): nobody is left to tell.
            }
        }
    }
}
