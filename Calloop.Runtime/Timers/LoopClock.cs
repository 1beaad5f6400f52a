using System;
using System.Threading;

namespace Calloop.Timers;

/// <summary>
/// The time of a loop created with a <see cref="TimeProvider"/> other than the system's: the provider's timestamps,
/// counted from the monotonic instant the loop was created, so that its instants and the system's start level. Wakes
/// the loop for a timer through a timer of the provider (a fake provider fires it when advanced).
/// </summary>
internal sealed class LoopClock : IDisposable
{
    [ThreadStatic]
    private static LoopClock? t_current;

    /// <summary>Set once a loop with a provider exists: until then, <see cref="Instant.Now"/> reads no thread-static.</summary>
    private static bool s_inUse;

    private readonly TimeProvider _provider;
    private readonly long _originTimestamp;
    private readonly long _originNs;
    private readonly long _frequency;
    private readonly LoopSignal _signal;
    private ITimer? _wake;

    internal LoopClock(TimeProvider provider, LoopSignal signal)
    {
        _provider = provider;
        _signal = signal;
        _frequency = provider.TimestampFrequency;
        _originNs = Instant.MonotonicNanoseconds();
        _originTimestamp = provider.GetTimestamp();
    }

    /// <summary>The clock <see cref="Instant.Now"/> follows on the calling thread, if any.</summary>
    internal static LoopClock? Current => s_inUse ? t_current : null;

    /// <summary>Makes this the calling thread's clock (the thread the loop belongs to).</summary>
    internal void MakeCurrent()
    {
        s_inUse = true;
        t_current = this;
    }

    /// <summary>On the loop's thread: no clock for a loop with the system's time.</summary>
    internal static void ClearCurrent()
    {
        if (s_inUse)
        {
            t_current = null;
        }
    }

    /// <summary>Now, in the loop's nanoseconds.</summary>
    internal long NowNs()
    {
        long delta = _provider.GetTimestamp() - _originTimestamp;
        long seconds = delta / _frequency;
        long rest = delta % _frequency;
        return _originNs + seconds * 1_000_000_000 + (long)((Int128)rest * 1_000_000_000 / _frequency);
    }

    /// <summary>Has the provider wake the loop once <paramref name="ns"/> of its time have passed (rounded up: never early).</summary>
    internal void WakeAfter(long ns)
    {
        var due = TimeSpan.FromTicks(ns / 100 + (ns % 100 == 0 ? 0 : 1));
        if (_wake is null)
        {
            _wake = _provider.CreateTimer(static s => ((LoopSignal)s!).Wakeup(), _signal, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _wake.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Stops the provider's timer and, on the loop's thread, stops being its clock.</summary>
    public void Dispose()
    {
        _wake?.Dispose();
        if (t_current == this)
        {
            t_current = null;
        }
    }
}
