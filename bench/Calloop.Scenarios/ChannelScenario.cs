using System;
using System.Threading;

namespace Calloop.Scenarios;

/// <summary>
/// S3: a sender thread (CPU 1) sends 1..N over <see cref="Channel.Create{T}"/>, one <see cref="Sender{T}.Send"/> per
/// value, then disposes the sender; the loop (CPU 0) sums the messages. The timed region ends when N messages
/// arrived (not on <c>Closed</c>); <c>closed_event=</c> says whether <c>Closed</c> came within 200 ms afterwards.
/// </summary>
internal static class ChannelScenario
{
    private struct Data
    {
        public long Sum;
        public long Count;
        public long Wakeups;
        public bool Closed;
    }

    internal static Result Run(long n)
    {
        using var loop = new EventLoop<Data>(BenchBackend.Options());
        var (sender, source) = Channel.Create<long>();
        loop.Handle.InsertSource(source, static (evt, ref _, ref d) =>
        {
            if (evt.TryGetMessage(out long v))
            {
                d.Sum += v;
                d.Count++;
            }
            else
            {
                d.Closed = true;
            }
        });
        var thread = new Thread(() =>
        {
            Native.PinSelfToCpu(1);
            for (long i = 1; i <= n; i++)
            {
                sender.Send(i);
            }
            sender.Dispose();
        });
        var data = new Data();
        Native.PinSelfToCpu(0);

        long w0 = Native.MonoNs(), c0 = Native.CpuNs();
        thread.Start();
        long a0 = GC.GetAllocatedBytesForCurrentThread();
        while (data.Count < n)
        {
            loop.Dispatch(null, ref data);
            data.Wakeups++;
        }
        long alloc = GC.GetAllocatedBytesForCurrentThread() - a0;
        long w = Native.MonoNs() - w0, c = Native.CpuNs() - c0;
        thread.Join();
        long until = Native.MonoNs() + 200_000_000;
        for (long now = Native.MonoNs(); !data.Closed && now < until; now = Native.MonoNs())
        {
            loop.Dispatch(TimeSpan.FromTicks((until - now + 99) / 100), ref data);
        }

        long expect = n * (n + 1) / 2;
        if (data.Count != n || data.Sum != expect)
        {
            return Result.Fail("S3", $"count={data.Count} sum={data.Sum} expected {n}/{expect}");
        }
        return new Result("S3", n, w, c, (double)w / n, alloc, $" sum={data.Sum} wakeups={data.Wakeups} closed_event={(data.Closed ? 1 : 0)}");
    }
}
