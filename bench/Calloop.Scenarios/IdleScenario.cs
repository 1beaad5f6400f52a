using System;

namespace Calloop.Scenarios;

/// <summary>S5: a chain of idle callbacks, each inserting the next; one idle per zero-timeout dispatch.</summary>
internal static class IdleScenario
{
    private static readonly IdleCallback<Data> s_onIdle = OnIdle;

    private struct Data
    {
        public long Count;
        public long N;
        public LoopHandle<Data> Handle;
    }

    internal static Result Run(long n)
    {
        using var loop = new EventLoop<Data>(BenchBackend.Options());
        var data = new Data { N = n, Handle = loop.Handle };

        long a0 = GC.GetAllocatedBytesForCurrentThread();
        long w0 = Native.MonoNs(), c0 = Native.CpuNs();
        loop.Handle.InsertIdle(s_onIdle);
        while (data.Count < n)
        {
            loop.Dispatch(TimeSpan.Zero, ref data);
        }
        long w = Native.MonoNs() - w0, c = Native.CpuNs() - c0;
        long alloc = GC.GetAllocatedBytesForCurrentThread() - a0;

        if (data.Count != n)
        {
            return Result.Fail("S5", $"idles={data.Count} expected={n}");
        }
        return new Result("S5", n, w, c, (double)w / n, alloc, "");
    }

    private static void OnIdle(ref Data d)
    {
        d.Count++;
        if (d.Count < d.N)
        {
            d.Handle.InsertIdle(s_onIdle);
        }
    }
}
