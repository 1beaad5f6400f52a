using System;

namespace Calloop.Scenarios;

/// <summary>S2b: the insertion of S2, keeping the tokens, then every timer removed in insertion order before it fires.</summary>
internal static class TimerCancelScenario
{
    internal static Result Run(long n)
    {
        using var loop = new EventLoop<long>(BenchBackend.Options());
        LoopHandle<long> handle = loop.Handle;
        long fired = 0;
        var tokens = new RegistrationToken[n];
        var rng = new Xorshift(Xorshift.SeedS2);

        long a0 = GC.GetAllocatedBytesForCurrentThread();
        var gc = new GcCounters();
        long w0 = Native.MonoNs(), c0 = Native.CpuNs();
        long t0 = Native.MonoNs();
        for (long i = 0; i < n; i++)
        {
            tokens[i] = TimerFireScenario.InsertOneShot(handle, ref rng, t0);
        }
        for (long i = 0; i < n; i++)
        {
            handle.Remove(tokens[i]);
        }
        long w = Native.MonoNs() - w0, c = Native.CpuNs() - c0;
        Native.LastTimedRegion = (w0, w0 + w);
        long alloc = GC.GetAllocatedBytesForCurrentThread() - a0;
        string gcs = gc.Format();

        long until = t0 + 210_000_000;
        for (long now = Native.MonoNs(); now < until; now = Native.MonoNs())
        {
            loop.Dispatch(TimeSpan.FromTicks((until - now + 99) / 100), ref fired);
        }
        loop.Dispatch(TimeSpan.Zero, ref fired);
        if (fired != 0 || handle.SourceCount != 0)
        {
            return Result.Fail("S2b", $"fired={fired} left={handle.SourceCount} after cancel");
        }
        return new Result("S2b", n, w, c, (double)w / n, alloc, gcs);
    }
}
