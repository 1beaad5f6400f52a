using System;
using System.Globalization;
using System.Threading;

namespace Calloop.Scenarios;

/// <summary>
/// S6: a sender thread (CPU 1) pings the loop (CPU 0) every 100 µs on absolute deadlines; the callback records the
/// wake-up latency of every ping it sees. Metric: p50 latency.
/// </summary>
internal static class LatencyScenario
{
    private const long PeriodNs = 100_000;

    private sealed class Shared(long n)
    {
        public readonly long[] Times = new long[n];
        public long Seq;
    }

    private struct Data
    {
        public Shared Shared;
        public long[] Lat;
        public long Seen;
        public long Callbacks;
    }

    internal static Result Run(long n)
    {
        using var loop = new EventLoop<Data>(BenchBackend.Options());
        var (ping, source) = Ping.Create();
        var shared = new Shared(n);
        var data = new Data { Shared = shared, Lat = new long[n] };
        loop.Handle.InsertSource(source, static (_, ref _, ref d) =>
        {
            long now = Native.MonoNs();
            d.Callbacks++;
            long s = Volatile.Read(ref d.Shared.Seq);
            long[] times = d.Shared.Times;
            for (long i = d.Seen; i < s; i++)
            {
                d.Lat[i] = Math.Max(0, now - times[i]);
            }
            d.Seen = s;
        });
        var sender = new Thread(() =>
        {
            Native.PinSelfToCpu(1);
            long next = Native.MonoNs() + PeriodNs;
            for (long i = 0; i < n; i++)
            {
                Native.SleepUntilNs(next);
                shared.Times[i] = Native.MonoNs();
                Volatile.Write(ref shared.Seq, i + 1);
                ping.Send();
                next += PeriodNs;
            }
        });
        Native.PinSelfToCpu(0);

        long w0 = Native.MonoNs(), c0 = Native.CpuNs();
        sender.Start();
        // Allocation is counted from here: the dispatch loop itself (Thread.Start is set-up of the sender).
        long a0 = GC.GetAllocatedBytesForCurrentThread();
        while (data.Seen < n)
        {
            loop.Dispatch(null, ref data);
        }
        long alloc = GC.GetAllocatedBytesForCurrentThread() - a0;
        long w = Native.MonoNs() - w0, c = Native.CpuNs() - c0;
        sender.Join();
        ping.Dispose();

        long[] lat = data.Lat;
        Array.Sort(lat);
        long p50 = lat[Rank(0.50, n)], p99 = lat[Rank(0.99, n)], max = lat[n - 1];
        string extra = string.Create(CultureInfo.InvariantCulture,
            $" p50_us={p50 / 1e3:F2} p99_us={p99 / 1e3:F2} max_us={max / 1e3:F2} callbacks={data.Callbacks}");
        return new Result("S6", n, w, c, p50, alloc, extra);
    }

    /// <summary>Nearest-rank percentile index: ceil(q·n) − 1, clamped to the array.</summary>
    private static long Rank(double q, long n) => Math.Clamp((long)Math.Ceiling(q * n), 1, n) - 1;
}
