using System;

namespace Calloop.Tests.Support;

internal static class Alloc
{
    /// <summary>Bytes allocated on this thread by <paramref name="action"/> run <paramref name="times"/> times, after as many warm-up runs.</summary>
    internal static long Measure(int times, Action action)
    {
        for (int i = 0; i < times; i++)
        {
            action();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < times; i++)
        {
            action();
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
