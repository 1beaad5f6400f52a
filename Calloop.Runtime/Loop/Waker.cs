using System;
using System.Threading;
using Calloop.Interop;

namespace Calloop;

/// <summary>
/// The loop's own wake-up: an eventfd in the poller. Wake-ups coalesce: only the first since the loop last
/// drained the eventfd writes to it. Thread-safe.
/// </summary>
internal sealed class Waker : IDisposable
{
    private readonly FdHandle _fd = EventFd.CreateHandle("eventfd (loop wake-up)");
    private int _notified;

    internal int Fd => _fd.Fd;

    /// <summary>Wakes the loop if it is not already being woken. A no-op once the loop is disposed.</summary>
    internal void Wake()
    {
        if (Interlocked.Exchange(ref _notified, 1) != 0)
        {
            return;
        }
        bool added = false;
        try
        {
            _fd.DangerousAddRef(ref added);
            Libc.WriteCounter(_fd.Fd, 1, "write (loop wake-up eventfd)");
        }
        catch (ObjectDisposedException)
        {
            // The loop is gone: there is nothing left to wake.
        }
        finally
        {
            if (added)
            {
                _fd.DangerousRelease();
            }
        }
    }

    /// <summary>Consumes the wake-up, on the loop thread; later wake-ups write again.</summary>
    internal void Drain()
    {
        Libc.ReadCounter(_fd.Fd, out _, "read (loop wake-up eventfd)");
        Volatile.Write(ref _notified, 0);
    }

    public void Dispose() => _fd.Dispose();
}
