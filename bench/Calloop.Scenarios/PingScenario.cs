using System;

namespace Calloop.Scenarios;

/// <summary>S1: a ping source whose callback counts and pings itself again; one callback per dispatch.</summary>
internal static class PingScenario
{
    private struct Data
    {
        public long Count;
        public Ping Ping;
    }

    internal static Result Run(long n)
    {
        using var loop = new EventLoop<Data>(BenchBackend.Options());
        var (ping, source) = Ping.Create();
        using Ping self = ping;
        var data = new Data { Ping = ping.Clone() };
        loop.Handle.InsertSource(source, static (_, ref _, ref d) =>
        {
            d.Count++;
            d.Ping.Send();
        });

        long a0 = GC.GetAllocatedBytesForCurrentThread();
        long w0 = Native.MonoNs(), c0 = Native.CpuNs();
        ping.Send();
        while (data.Count < n)
        {
            loop.Dispatch(null, ref data);
        }
        long w = Native.MonoNs() - w0, c = Native.CpuNs() - c0;
        long alloc = GC.GetAllocatedBytesForCurrentThread() - a0;

        data.Ping.Dispose();
        if (data.Count != n)
        {
            return Result.Fail("S1", $"dispatched={data.Count} expected={n}");
        }
        return new Result("S1", n, w, c, (double)w / n, alloc, "");
    }
}
