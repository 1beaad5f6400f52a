using System;

namespace Calloop.Scenarios;

/// <summary>S2: N one-shot timers spread over 200 ms, inserted then fired; metric is loop-thread CPU per timer.</summary>
internal static class TimerFireScenario
{
    internal const ulong SpreadUs = 200_000;

    internal static Result Run(long n)
    {
        Native.SetTimerSlackFromEnvironment();
        using var loop = new EventLoop<long>();
        LoopHandle<long> handle = loop.Handle;
        long fired = 0;
        var rng = new Xorshift(Xorshift.SeedS2);

        long a0 = GC.GetAllocatedBytesForCurrentThread();
        long w0 = Native.MonoNs(), c0 = Native.CpuNs();
        long t0 = Native.MonoNs();
        for (long i = 0; i < n; i++)
        {
            long dUs = (long)(rng.Next() % SpreadUs);
            handle.InsertSource(TimerSource.FromDeadline(Instant.FromNanoseconds(t0 + dUs * 1000)), static (_, ref _, ref f) =>
            {
                f++;
                return TimeoutAction.Drop;
            });
        }
        long dispatches = 0;
        while (fired < n)
        {
            loop.Dispatch(null, ref fired);
            dispatches++;
        }
        long w = Native.MonoNs() - w0, c = Native.CpuNs() - c0;
        long alloc = GC.GetAllocatedBytesForCurrentThread() - a0;

        if (fired != n)
        {
            return Result.Fail("S2", $"fired={fired} expected={n}");
        }
        return new Result("S2", n, w, c, (double)c / n, alloc, $" dispatches={dispatches}");
    }
}
