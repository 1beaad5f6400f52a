using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Calloop;

/// <summary>The <see cref="ChannelWriter{T}"/> view of a <see cref="Sender{T}"/>.</summary>
/// <typeparam name="T">The message type.</typeparam>
internal sealed class SenderChannelWriter<T>(Sender<T> sender) : ChannelWriter<T>
{
    private int _completed;

    private bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public override bool TryComplete(Exception? error = null)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }
        sender.Dispose();
        return true;
    }

    public override bool TryWrite(T item)
    {
        if (IsCompleted || sender.IsReceiverClosed)
        {
            return false;
        }
        try
        {
            return sender.TrySend(item);
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) =>
        IsCompleted ? new ValueTask<bool>(false) : sender.WaitToSendAsync(cancellationToken);

    public override ValueTask WriteAsync(T item, CancellationToken cancellationToken = default)
    {
        if (IsCompleted)
        {
            return ValueTask.FromException(new ChannelClosedException());
        }
        return sender.SendAsync(item, cancellationToken);
    }
}
