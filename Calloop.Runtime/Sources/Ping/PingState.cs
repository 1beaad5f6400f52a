using System.Threading;
using Calloop.Interop;

namespace Calloop;

/// <summary>
/// The notifier (eventfd on Linux, pipe elsewhere) shared by a <see cref="PingSource"/> and its <see cref="Ping"/>s.
/// The sum it carries encodes both signals: each ping adds 2, the last sender's disposal adds 1, so one
/// <see cref="NotifyFd.Take"/> tells "pinged" (sum ≥ 2) and "closed" (odd). The notifier never drops a value (a full
/// pipe keeps it in an overflow counter), so the close is never lost. The descriptors are closed when the source and
/// every sender are disposed.
/// </summary>
internal sealed class PingState
{
    internal const ulong PingIncrement = 2;
    internal const ulong CloseIncrement = 1;

    private int _senders = 1;
    private int _owners = 2;

    internal const string WriteOperation = "write (ping notifier)";
    internal const string ReadOperation = "read (ping notifier)";

    internal NotifyFd Notifier { get; } = new("ping");

    /// <summary>Adds a sender unless every sender is already gone (the source was told it is closed).</summary>
    internal bool TryAddSender()
    {
        int senders = Volatile.Read(ref _senders);
        while (senders > 0)
        {
            int seen = Interlocked.CompareExchange(ref _senders, senders + 1, senders);
            if (seen == senders)
            {
                Interlocked.Increment(ref _owners);
                return true;
            }
            senders = seen;
        }
        return false;
    }

    /// <summary>A sender is gone; the last one tells the source so.</summary>
    internal void RemoveSender()
    {
        if (Interlocked.Decrement(ref _senders) == 0)
        {
            Notifier.Add(CloseIncrement, WriteOperation);
        }
        Release();
    }

    /// <summary>One owner (the source or a sender) is gone; the last one closes the notifier.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref _owners) == 0)
        {
            Notifier.Dispose();
        }
    }
}
