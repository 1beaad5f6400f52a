using System;

namespace Calloop.Scenarios;

/// <summary>
/// S2q and S2bq: S2 and S2b with the timers in one <see cref="TimerQueue{T}"/> (payload: the timer's number) instead of
/// a <see cref="TimerSource"/> each. Same seed, same deadlines, same metric, same checks. The queue is the one a server
/// keeps for its lifetime, so each run first does untimed rounds of the same N on the same loop and queue, until one
/// allocates nothing (at most <see cref="MaxWarmRounds"/>; the line says how many, <c>warm_rounds=</c>), and then the
/// timed round: "after warm-up" means the queue's slots, wheel nodes and buckets have grown to the working size. A
/// bucket's array grows only when it holds more timers than any bucket did before, and where the 200 ms window falls
/// on the wheel's buckets differs from round to round, so one warm round is not always enough. The line's
/// <c>alloc_bytes_per_op</c> is what the timed round still allocated.
/// </summary>
internal static class TimerQueueScenario
{
    private const int MaxWarmRounds = 5;

    private sealed class Counter
    {
        public long Fired;
    }

    internal static Result RunFire(long n)
    {
        long slackUs = long.TryParse(Environment.GetEnvironmentVariable("CALLOOP_BENCH_TIMER_SLACK_US"), out long us) && us > 0 ? us : 0;
        using var loop = new EventLoop<Counter>(new EventLoopOptions { Backend = BenchBackend.Backend, TimerSlack = TimeSpan.FromMicroseconds(slackUs) });
        var queue = new TimerQueue<long>();
        loop.Handle.InsertSource(queue, static (_, ref _, ref c) =>
        {
            c.Fired++;
            return TimeoutAction.Drop;
        });
        var counter = new Counter();

        int warmRounds = 0;
        long warmAlloc;
        do
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            FireRound(loop, queue, counter, n, out _);
            warmAlloc = GC.GetAllocatedBytesForCurrentThread() - before;
            counter.Fired = 0;
        }
        while (++warmRounds < MaxWarmRounds && warmAlloc != 0);

        long a0 = GC.GetAllocatedBytesForCurrentThread();
        var gc = new GcCounters();
        long w0 = Native.MonoNs(), c0 = Native.CpuNs();
        FireRound(loop, queue, counter, n, out long dispatches);
        long w = Native.MonoNs() - w0, c = Native.CpuNs() - c0;
        Native.LastTimedRegion = (w0, w0 + w);
        long alloc = GC.GetAllocatedBytesForCurrentThread() - a0;
        string gcs = gc.Format();

        if (counter.Fired != n || queue.Count != 0)
        {
            return Result.Fail("S2q", $"fired={counter.Fired} expected={n} left={queue.Count}");
        }
        return new Result("S2q", n, w, c, (double)c / n, alloc, $" dispatches={dispatches}{gcs}{(slackUs > 0 ? $" timer_slack_us={slackUs}" : "")} warm_rounds={warmRounds}");
    }

    /// <summary>S2's timed part: read t0, add N timers at <c>t0 + (next() % 200000)</c> µs, dispatch until all fired.</summary>
    private static void FireRound(EventLoop<Counter> loop, TimerQueue<long> queue, Counter counter, long n, out long dispatches)
    {
        var rng = new Xorshift(Xorshift.SeedS2);
        long t0 = Native.MonoNs();
        for (long i = 0; i < n; i++)
        {
            long dUs = (long)(rng.Next() % TimerFireScenario.SpreadUs);
            queue.Add(Instant.FromNanoseconds(t0 + dUs * 1000), i);
        }
        dispatches = 0;
        while (counter.Fired < n)
        {
            loop.Dispatch(null, ref counter);
            dispatches++;
        }
    }

    internal static Result RunCancel(long n)
    {
        using var loop = new EventLoop<Counter>(BenchBackend.Options());
        var queue = new TimerQueue<long>();
        loop.Handle.InsertSource(queue, static (_, ref _, ref c) =>
        {
            c.Fired++;
            return TimeoutAction.Drop;
        });
        var counter = new Counter();
        var handles = new TimerQueueHandle[n];

        int warmRounds = 0;
        long warmAlloc;
        do
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            CancelRound(queue, handles, n);
            warmAlloc = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        while (++warmRounds < MaxWarmRounds && warmAlloc != 0);

        long a0 = GC.GetAllocatedBytesForCurrentThread();
        var gc = new GcCounters();
        long w0 = Native.MonoNs(), c0 = Native.CpuNs();
        long t0 = CancelRound(queue, handles, n);
        long w = Native.MonoNs() - w0, c = Native.CpuNs() - c0;
        Native.LastTimedRegion = (w0, w0 + w);
        long alloc = GC.GetAllocatedBytesForCurrentThread() - a0;
        string gcs = gc.Format();

        long until = t0 + 210_000_000;
        for (long now = Native.MonoNs(); now < until; now = Native.MonoNs())
        {
            loop.Dispatch(TimeSpan.FromTicks((until - now + 99) / 100), ref counter);
        }
        loop.Dispatch(TimeSpan.Zero, ref counter);
        if (counter.Fired != 0 || queue.Count != 0)
        {
            return Result.Fail("S2bq", $"fired={counter.Fired} left={queue.Count} after cancel");
        }
        return new Result("S2bq", n, w, c, (double)w / n, alloc, $"{gcs} warm_rounds={warmRounds}");
    }

    /// <summary>S2b's timed part: S2's insertion keeping the handles, then every timer cancelled in insertion order. Returns t0.</summary>
    private static long CancelRound(TimerQueue<long> queue, TimerQueueHandle[] handles, long n)
    {
        var rng = new Xorshift(Xorshift.SeedS2);
        long t0 = Native.MonoNs();
        for (long i = 0; i < n; i++)
        {
            long dUs = (long)(rng.Next() % TimerFireScenario.SpreadUs);
            handles[i] = queue.Add(Instant.FromNanoseconds(t0 + dUs * 1000), i);
        }
        for (long i = 0; i < n; i++)
        {
            queue.Cancel(handles[i]);
        }
        return t0;
    }
}
