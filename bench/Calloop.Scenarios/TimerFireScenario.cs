using System;

namespace Calloop.Scenarios;

/// <summary>S2: N one-shot timers spread over 200 ms, inserted then fired; metric is loop-thread CPU per timer.</summary>
internal static class TimerFireScenario
{
    internal const ulong SpreadUs = 200_000;

    internal static Result Run(long n)
    {
        // CALLOOP_BENCH_TIMER_SLACK_US=1000 runs the loop with a 1 ms timer slack: the accuracy every other peer
        // has here (the floor rounds its waits up to whole milliseconds, libuv's timers are in milliseconds,
        // sd-event runs with 1 ms accuracy). Without it the loop wakes at each exact deadline.
        long slackUs = long.TryParse(Environment.GetEnvironmentVariable("CALLOOP_BENCH_TIMER_SLACK_US"), out long us) && us > 0 ? us : 0;
        using var loop = new EventLoop<long>(new EventLoopOptions { Backend = BenchBackend.Backend, TimerSlack = TimeSpan.FromMicroseconds(slackUs) });
        LoopHandle<long> handle = loop.Handle;
        long fired = 0;
        var rng = new Xorshift(Xorshift.SeedS2);

        long a0 = GC.GetAllocatedBytesForCurrentThread();
        var gc = new GcCounters();
        long w0 = Native.MonoNs(), c0 = Native.CpuNs();
        long t0 = Native.MonoNs();
        for (long i = 0; i < n; i++)
        {
            InsertOneShot(handle, ref rng, t0);
        }
        long dispatches = 0;
        while (fired < n)
        {
            loop.Dispatch(null, ref fired);
            dispatches++;
        }
        long w = Native.MonoNs() - w0, c = Native.CpuNs() - c0;
        Native.LastTimedRegion = (w0, w0 + w);
        long alloc = GC.GetAllocatedBytesForCurrentThread() - a0;
        string gcs = gc.Format();

        if (fired != n)
        {
            return Result.Fail("S2", $"fired={fired} expected={n}");
        }
        return new Result("S2", n, w, c, (double)c / n, alloc, $" dispatches={dispatches}{gcs}{(slackUs > 0 ? $" timer_slack_us={slackUs}" : "")}");
    }

    /// <summary>
    /// Inserts the next timer of the scenario: deadline <c>t0 + (next() % 200000)</c> µs, a callback that counts it
    /// and drops it (S2 and S2b insert alike).
    /// </summary>
    internal static RegistrationToken InsertOneShot(LoopHandle<long> handle, ref Xorshift rng, long t0)
    {
        long dUs = (long)(rng.Next() % SpreadUs);
        return handle.InsertSource(TimerSource.FromDeadline(Instant.FromNanoseconds(t0 + dUs * 1000)), static (_, ref _, ref fired) =>
        {
            fired++;
            return TimeoutAction.Drop;
        });
    }
}
