using System;
using System.Diagnostics;

namespace Calloop.Scenarios;

/// <summary>
/// <c>Calloop.Scenarios retained &lt;N&gt;</c>: the managed memory an idle loop keeps after a burst of N timers
/// (inserted then cancelled; inserted then fired), measured with <c>GC.GetTotalMemory(true)</c> against a fresh loop:
/// right after the burst, after idle dispatches (the loop trims itself), and after <c>TrimExcess</c>.
/// </summary>
internal static class RetainedMemory
{
    internal static int Run(long n)
    {
        Measure("cancelled", n, static (loop, count) =>
        {
            var tokens = new RegistrationToken[count];
            for (int i = 0; i < count; i++)
            {
                tokens[i] = loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromSeconds(10 + i % 1000)), static (_, ref _, ref _) => TimeoutAction.Drop);
            }
            foreach (RegistrationToken t in tokens)
            {
                loop.Handle.Remove(t);
            }
        });
        Measure("fired", n, static (loop, count) =>
        {
            for (int i = 0; i < count; i++)
            {
                loop.Handle.InsertSource(TimerSource.Immediate(), static (_, ref _, ref fired) =>
                {
                    fired++;
                    return TimeoutAction.Drop;
                });
            }
            long done = 0;
            while (done < count)
            {
                loop.Dispatch(TimeSpan.FromSeconds(1), ref done);
            }
        });
        return 0;
    }

    private static void Measure(string label, long n, Action<EventLoop<long>, int> burst)
    {
        using var loop = new EventLoop<long>(BenchBackend.Options());
        long fresh = GC.GetTotalMemory(true);
        burst(loop, checked((int)n));
        long data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        long after = GC.GetTotalMemory(true);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(100), ref data);
        }
        long idle = GC.GetTotalMemory(true);
        loop.TrimExcess();
        long trimmed = GC.GetTotalMemory(true);
        Console.WriteLine(
            $"retained timers={n} {label}: after burst {Mib(after - fresh)} MiB, after 2 s idle {Mib(idle - fresh)} MiB, after TrimExcess {Mib(trimmed - fresh)} MiB");
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
}
