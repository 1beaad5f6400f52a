using System.Threading;
using Calloop.Interop;

namespace Calloop;

/// <summary>
/// The eventfd shared by a <see cref="PingSource"/> and its <see cref="Ping"/>s. The counter encodes both
/// signals: each ping adds 2, the last sender's disposal adds 1, so one read tells "pinged" (counter ≥ 2) and
/// "closed" (odd). The descriptor is closed when the source and every sender are disposed.
/// </summary>
internal sealed class PingState
{
    internal const ulong PingIncrement = 2;
    internal const ulong CloseIncrement = 1;

    private int _senders = 1;
    private int _owners = 2;

    internal FdHandle Fd { get; } = EventFd.CreateHandle("eventfd (ping)");

    internal void AddSender()
    {
        Interlocked.Increment(ref _senders);
        Interlocked.Increment(ref _owners);
    }

    /// <summary>A sender is gone; the last one tells the source so.</summary>
    internal void RemoveSender()
    {
        if (Interlocked.Decrement(ref _senders) == 0)
        {
            Libc.WriteCounter(Fd.Fd, CloseIncrement, "write (ping eventfd)");
        }
        Release();
    }

    /// <summary>One owner (the source or a sender) is gone; the last one closes the eventfd.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref _owners) == 0)
        {
            Fd.Dispose();
        }
    }
}
