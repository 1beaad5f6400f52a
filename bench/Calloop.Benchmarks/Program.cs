using BenchmarkDotNet.Running;

namespace Calloop.Benchmarks;

/// <summary>Entry point: <c>-- --filter '*'</c> runs every benchmark; <c>--job short</c> for a quick pass.</summary>
internal static class Program
{
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
