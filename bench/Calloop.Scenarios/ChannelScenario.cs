using System;
using System.Threading;

namespace Calloop.Scenarios;

/// <summary>
/// S3: a sender thread (CPU 1) sends 1..N one call per value; the loop (CPU 0) sums them. The runtime has no
/// channel source yet, so the channel is <see cref="ShimChannel{T}"/> (the line says <c>channel=shim</c>).
/// </summary>
internal static class ChannelScenario
{
    private struct Data
    {
        public long Sum;
        public long Count;
        public long Wakeups;
    }

    internal static Result Run(long n)
    {
        using var loop = new EventLoop<Data>();
        var channel = new ShimChannel<long>();
        loop.Handle.InsertSource(channel, static (v, ref _, ref d) =>
        {
            d.Sum += v;
            d.Count++;
        });
        var sender = new Thread(() =>
        {
            Native.PinSelfToCpu(1);
            for (long i = 1; i <= n; i++)
            {
                channel.Send(i);
            }
            channel.CloseSender();
        });
        var data = new Data();
        Native.PinSelfToCpu(0);

        long w0 = Native.MonoNs(), c0 = Native.CpuNs();
        sender.Start();
        long a0 = GC.GetAllocatedBytesForCurrentThread();
        while (data.Count < n)
        {
            loop.Dispatch(null, ref data);
            data.Wakeups++;
        }
        long alloc = GC.GetAllocatedBytesForCurrentThread() - a0;
        long w = Native.MonoNs() - w0, c = Native.CpuNs() - c0;
        sender.Join();

        long expect = n * (n + 1) / 2;
        if (data.Count != n || data.Sum != expect)
        {
            return Result.Fail("S3", $"count={data.Count} sum={data.Sum} expected {n}/{expect}");
        }
        return new Result("S3", n, w, c, (double)w / n, alloc, $" sum={data.Sum} wakeups={data.Wakeups} channel=shim");
    }
}
