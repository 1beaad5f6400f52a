using System;
using System.Globalization;

namespace Calloop.Scenarios;

/// <summary>
/// <c>Calloop.Scenarios &lt;MODE&gt; &lt;N&gt;</c>: runs one scenario of SCENARIOS.md through the public API and prints
/// its result line. Every scenario first runs one untimed warm-up pass with N/10 in the same process (reported as
/// <c>warmup=</c>), so that the measured pass runs optimised code.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "retained" && long.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out long timers))
        {
            return RetainedMemory.Run(timers);
        }
        if (args.Length != 2 || !long.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n <= 0)
        {
            Console.Error.WriteLine("usage: Calloop.Scenarios <S1|S2|S2b|S2q|S2bq|S3|S4|S5|S6|retained> <N>   (CALLOOP_BENCH_WARMUP=0 skips the warm-up pass)");
            return 2;
        }
        Func<long, Result>? scenario = args[0] switch
        {
            "S1" => PingScenario.Run,
            "S2" => TimerFireScenario.Run,
            "S2b" => TimerCancelScenario.Run,
            "S2q" => TimerQueueScenario.RunFire,
            "S2bq" => TimerQueueScenario.RunCancel,
            "S3" => ChannelScenario.Run,
            "S4" => FanOutScenario.Run,
            "S5" => IdleScenario.Run,
            "S6" => LatencyScenario.Run,
            _ => null,
        };
        if (scenario is null)
        {
            Console.Error.WriteLine($"unknown scenario {args[0]}");
            return 2;
        }
        bool warm = Environment.GetEnvironmentVariable("CALLOOP_BENCH_WARMUP") != "0";
        long warmN = Math.Max(1, n / 10);
        if (warm)
        {
            Result w = scenario(warmN);
            if (w.Error is not null)
            {
                return Fail(args[0], "warm-up: " + w.Error);
            }
        }
        Result r = scenario(n);
        if (r.Error is not null)
        {
            return Fail(args[0], r.Error);
        }
        long ops = args[0] == "S4" ? 10 * n : n;
        Console.Out.WriteLine(r.Format(ops, warm ? warmN.ToString(CultureInfo.InvariantCulture) : "0"));
        Console.Out.Flush();
        if (Environment.GetEnvironmentVariable("CALLOOP_BENCH_MARK") == "1")
        {
            (long start, long end) = Native.LastTimedRegion;
            Console.Error.WriteLine($"timed region (CLOCK_MONOTONIC s): {start / 1e9:F6},{end / 1e9:F6}");
        }
        return 0;
    }

    private static int Fail(string scenario, string message)
    {
        string line = $"ERROR scenario={scenario} peer={Result.Peer} {message}";
        Console.Out.WriteLine(line);
        Console.Error.WriteLine(line);
        return 1;
    }
}
