using System;
using System.Threading;
using Calloop.Interop;

namespace Calloop;

/// <summary>
/// A coalescing wake-up over one <see cref="NotifyFd"/> (an eventfd on Linux, a pipe elsewhere), for the loop itself
/// and for sources fed from other threads (async work, signals). Only the first <see cref="Wake"/> since the last
/// <see cref="Drain()"/> writes to the descriptor. Thread-safe.
/// </summary>
/// <remarks>
/// The consumer must <see cref="Drain()"/> before it looks at the work it was woken for: Drain reads the descriptor and
/// then clears the flag with a full fence, so a producer that publishes work after the consumer looked finds the flag
/// clear and writes again. Clearing the flag first, or looking first, would lose that wake-up.
/// </remarks>
internal sealed class Waker : IDisposable
{
    private readonly NotifyFd _fd;
    private readonly string _readOperation;
    private readonly string _writeOperation;
    private int _notified;

    /// <param name="what">What the descriptor is for, as error messages name it (for example "loop wake-up").</param>
    internal Waker(string what = "loop wake-up")
    {
        _fd = new NotifyFd(what);
        string kind = _fd.IsPipe ? "pipe" : "eventfd";
        _readOperation = $"read ({what} {kind})";
        _writeOperation = $"write ({what} {kind})";
    }

    internal int Fd => _fd.ReadFd;

    /// <summary>The descriptor pair itself (tests read it to count writes).</summary>
    internal NotifyFd Notifier => _fd;

    /// <summary>Makes the descriptor readable unless a wake-up is already pending. A no-op once disposed.</summary>
    internal void Wake()
    {
        if (Interlocked.Exchange(ref _notified, 1) == 0)
        {
            _fd.Add(1, _writeOperation);
        }
    }

    /// <summary>Consumes the wake-up, on the consuming thread; later wake-ups write again.</summary>
    internal void Drain()
    {
        _fd.Take(_readOperation);
        Interlocked.Exchange(ref _notified, 0);
    }

    /// <summary>
    /// Consumes the wake-up of a descriptor registered with <see cref="Sources.Poll.RegisterCounter"/>: the value the
    /// backend read with the event, or else a read; then clears the flag, as <see cref="Drain()"/> does.
    /// </summary>
    internal void Drain(Sources.Poll poll)
    {
        poll.TakeCounter(_fd, _readOperation);
        Interlocked.Exchange(ref _notified, 0);
    }

    public void Dispose() => _fd.Dispose();
}
