using System.Globalization;

namespace Calloop.Scenarios;

/// <summary>What one measured pass produced: the figures of the result line, or an error message.</summary>
internal readonly record struct Result(string Scenario, long N, long WallNs, long CpuNs, double NsPerOp, long AllocBytes, string Extra, string? Error = null)
{
    internal static readonly string Peer = BenchBackend.Peer;

    internal static Result Fail(string scenario, string message) => new(scenario, 0, 0, 0, 0, 0, "", message);

    /// <summary>The scenario line of SCENARIOS.md, plus the bytes allocated on the loop thread per operation.</summary>
    internal string Format(long opsForAlloc, string warmup)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        double allocPerOp = opsForAlloc > 0 ? (double)AllocBytes / opsForAlloc : 0;
        return string.Create(inv,
            $"scenario={Scenario} peer={Peer} n={N} seconds={WallNs / 1e9:F6} ns_per_op={NsPerOp:F1} cpu_seconds={CpuNs / 1e9:F6}{Extra} alloc_bytes_per_op={allocPerOp:0.###} warmup={warmup}");
    }
}
