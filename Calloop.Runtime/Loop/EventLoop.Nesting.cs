using System;

namespace Calloop;

public sealed partial class EventLoop<TData>
{
    /// <summary>
    /// The loop's own poller descriptor (epoll on Linux, kqueue on macOS and FreeBSD): readable whenever one of its sources' descriptors (or its wake-up) is ready,
    /// so that another loop (see <see cref="NestedLoopSource{TData}"/>), GLib or a UI toolkit can watch it and then
    /// call <see cref="Dispatch"/> with <see cref="TimeSpan.Zero"/>. Timers do not make it readable: a host must
    /// also wake by <see cref="NextTimerDeadline"/>.
    /// </summary>
    public int PollFd
    {
        get
        {
            _registry.State.CheckThread("EventLoop.PollFd");
            int fd = _poll.Fd;
            if (fd < 0)
            {
                throw new NotSupportedException("EventLoop.PollFd: this loop's backend (poll(2)) has no descriptor of its own; use the system's default backend (epoll or kqueue) to nest the loop or watch it from another.");
            }
            return fd;
        }
    }

    /// <summary>
    /// When this loop next needs a dispatch for its timers (possibly earlier than the earliest deadline, when the
    /// timer wheel must cascade), or null when no timer is pending.
    /// </summary>
    public Instant? NextTimerDeadline
    {
        get
        {
            _registry.State.CheckThread("EventLoop.NextTimerDeadline");
            return _poll.Timers.NextWakeNs() is long ns ? Instant.FromNanoseconds(ns) : null;
        }
    }

    /// <summary>True when a dispatch has work without waiting: idle callbacks queued, or a batch interrupted by an exception.</summary>
    internal bool HasImmediateWork => _batchNext < _batchCount || _idlesPending || _registry.Idles.Count > 0;
}
