using System;
using System.Linq;
using Calloop.Timers;
using NUnit.Framework;

namespace Calloop.Tests.Timers;

public class TimerSortTests
{
    [TestCase(1, 10, 1_000)]
    [TestCase(2, 63, 1_000_000)]
    [TestCase(3, 64, 1_000_000)]
    [TestCase(4, 500, 1_048_576)]
    [TestCase(5, 5_000, 2_097_151)]
    [TestCase(6, 5_000, 2_097_152)]
    [TestCase(7, 3_000, 50)]
    [TestCase(8, 2_000, 5_000_000_000)]
    public void SortsByDeadlineThenSequence(int seed, int count, long spread)
    {
        // Spreads below 2^21 ns take the counting passes, wider ones the comparison sort; a spread of 50 ns makes
        // long runs of equal deadlines whose order only the sequence decides.
        var random = new Random(seed);
        long baseNs = random.NextInt64(0, 1L << 50);
        var timers = new ExpiredTimer[count];
        for (int i = 0; i < count; i++)
        {
            timers[i] = new ExpiredTimer(baseNs + random.NextInt64(0, spread), random.NextInt64(0, long.MaxValue), (ulong)i);
        }
        var expected = timers.OrderBy(t => t.Deadline).ThenBy(t => t.Sequence).ToArray();
        var sort = new TimerSort<ExpiredTimer>();

        sort.Sort(timers);

        Assert.That(timers, Is.EqualTo(expected));
    }

    [Test]
    public void ReusesItsBuffersAcrossSortsOfDifferentSizes()
    {
        var sort = new TimerSort<ExpiredTimer>();
        var random = new Random(9);
        foreach (int count in new[] { 100, 3_000, 70, 1_000 })
        {
            var timers = Enumerable.Range(0, count)
                .Select(i => new ExpiredTimer(random.NextInt64(0, 1_000_000), i, (ulong)i))
                .ToArray();
            var expected = timers.OrderBy(t => t.Deadline).ThenBy(t => t.Sequence).ToArray();
            sort.Sort(timers);
            Assert.That(timers, Is.EqualTo(expected), $"{count} timers");
        }
    }

}
