using System;

namespace Calloop.Tests.Support;

internal static class Alloc
{
    /// <summary>How many times the last <see cref="Measure"/> ran its action, warm-up included.</summary>
    internal static int LastRuns { get; private set; }

    /// <summary>
    /// Bytes allocated on this thread by <paramref name="action"/> run <paramref name="times"/> times, after as many
    /// warm-up runs. Measured up to three times and the smallest kept: a one-off allocation by the runtime on this
    /// thread (a type loaded, code re-jitted at a higher tier) is not the steady state being measured, but an
    /// allocation made per call shows up in every pass.
    /// </summary>
    internal static long Measure(int times, Action action)
    {
        for (int i = 0; i < times; i++)
        {
            action();
        }
        long best = long.MaxValue;
        LastRuns = times;
        for (int pass = 0; pass < 3 && best != 0; pass++)
        {
            LastRuns += times;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < times; i++)
            {
                action();
            }
            best = Math.Min(best, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return best;
    }
}
