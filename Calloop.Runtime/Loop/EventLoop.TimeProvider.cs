using System;
using Calloop.Timers;

namespace Calloop;

public sealed partial class EventLoop<TData>
{
    /// <summary>
    /// The wait of a loop with a <see cref="EventLoopOptions.TimeProvider"/>: timers are due on the provider's clock, and
    /// the loop waits for the earliest on a timer of the provider, which wakes it (a fake provider's fires when advanced,
    /// on the advancing thread); <paramref name="timeout"/> bounds the real wait, on the monotonic clock.
    /// </summary>
    private void WaitOnProvider(TimeSpan? timeout, bool mustNotBlock)
    {
        LoopClock clock = _clock!;
        var timers = _poll.Timers;
        long userNs = timeout is TimeSpan t ? Math.Max(0, Instant.ToNanoseconds(t)) : -1;
        mustNotBlock |= userNs == 0;
        long start = userNs > 0 ? Instant.MonotonicNanoseconds() : 0;
        long realDeadline = userNs <= 0 || userNs > long.MaxValue - start ? long.MaxValue : start + userNs;
        while (true)
        {
            long waitNs = mustNotBlock ? 0 : userNs < 0 ? -1 : Math.Max(0, realDeadline - Instant.MonotonicNanoseconds());
            if (waitNs != 0 && timers.Count > 0 && timers.NextWakeNs() is long wake)
            {
                waitNs = ArmProviderWake(clock, SlackedWake(wake)) ? waitNs : 0;
            }
            bool woken = PollOnce(waitNs);
            if (timers.Count > 0)
            {
                long now = clock.NowNs();
                var sink = new BatchSink(this, now, _metrics.TimerLag.Enabled);
                timers.TakeExpired(now, ref sink);
            }
            if (woken || _batchCount > 0 || mustNotBlock || (realDeadline != long.MaxValue && Instant.MonotonicNanoseconds() >= realDeadline))
            {
                return;
            }
        }
    }

    /// <summary>Arms the provider's timer for <paramref name="wakeNs"/>; false when that time has come already.</summary>
    private static bool ArmProviderWake(LoopClock clock, long wakeNs)
    {
        long now = clock.NowNs();
        while (true)
        {
            if (wakeNs <= now)
            {
                return false;
            }
            clock.WakeAfter(wakeNs - now);
            // Time moved while arming (advanced from another thread): arm again from the new time.
            long again = clock.NowNs();
            if (again == now)
            {
                return true;
            }
            now = again;
        }
    }
}
