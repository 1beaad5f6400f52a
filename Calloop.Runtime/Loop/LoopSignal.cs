namespace Calloop;

/// <summary>
/// Stops or wakes an <see cref="EventLoop{TData}"/>. Thread-safe: every member may be called from any thread.
/// </summary>
public sealed class LoopSignal
{
    private readonly Waker _waker;
    private volatile bool _stopRequested;

    internal LoopSignal(Waker waker) => _waker = waker;

    /// <summary>
    /// Asks <see cref="EventLoop{TData}.Run"/> to return after the current dispatch. From another thread, follow with
    /// <see cref="Wakeup"/> if the loop may be waiting.
    /// </summary>
    public void Stop() => _stopRequested = true;

    /// <summary>
    /// Ends the loop's current or next wait at once. Wake-ups coalesce: many calls before the loop wakes cost
    /// one write to the wake-up descriptor.
    /// </summary>
    public void Wakeup() => _waker.Wake();

    internal bool StopRequested => _stopRequested;

    internal void ResetStop() => _stopRequested = false;
}
