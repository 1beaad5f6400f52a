using System;
using System.Collections.Generic;
using System.Linq;
using Calloop.Timers;
using NUnit.Framework;

namespace Calloop.Tests.Timers;

/// <summary>The wheel checked against a sorted list, with random inserts, cancels and clock advances.</summary>
public class TimerWheelTests
{
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void MatchesASortedListModel(int seed)
    {
        var random = new Random(seed);
        long now = 1_000_000_000L * random.Next(1, 1_000_000);
        var wheel = new TimerWheel(now);
        var model = new List<(long Deadline, long Seq, ulong Token)>();
        var keys = new Dictionary<ulong, TimerKey>();
        var expired = new List<ExpiredTimer>();
        ulong nextToken = 0;
        long seq = 0;
        for (int step = 0; step < 20_000; step++)
        {
            int op = random.Next(10);
            if (op < 5)
            {
                // Spread deadlines over every level: sub-ms to days, some in the past.
                long delta = random.Next(5) switch
                {
                    0 => random.Next(-1_000_000, 2_000_000),
                    1 => random.NextInt64(0, 100_000_000),
                    2 => random.NextInt64(0, 10_000_000_000),
                    3 => random.NextInt64(0, 500_000_000_000),
                    _ => random.NextInt64(0, 100_000_000_000_000),
                };
                ulong token = nextToken++;
                keys[token] = wheel.Insert(now + delta, token);
                model.Add((now + delta, seq++, token));
            }
            else if (op < 7 && model.Count > 0)
            {
                var victim = model[random.Next(model.Count)];
                Assert.That(wheel.Cancel(keys[victim.Token]), Is.True);
                Assert.That(wheel.Cancel(keys[victim.Token]), Is.False, "a second cancel is a no-op");
                model.Remove(victim);
            }
            else
            {
                if (wheel.NextWakeNs() is long wake && model.Count > 0)
                {
                    Assert.That(wake, Is.LessThanOrEqualTo(model.Min(m => m.Deadline)), "the wheel must never sleep past a deadline");
                }
                now += random.Next(3) switch
                {
                    0 => random.Next(0, 3_000_000),
                    1 => random.NextInt64(0, 2_000_000_000),
                    _ => random.NextInt64(0, 200_000_000_000),
                };
                expired.Clear();
                wheel.Expire(now, expired);
                var due = model.Where(m => m.Deadline <= now).OrderBy(m => m.Deadline).ThenBy(m => m.Seq).ToList();
                Assert.That(expired.Select(e => e.Token), Is.EqualTo(due.Select(d => d.Token)), $"step {step}");
                foreach (var d in due)
                {
                    model.Remove(d);
                    Assert.That(wheel.Cancel(keys[d.Token]), Is.False, "a fired timer cannot be cancelled");
                }
            }
            Assert.That(wheel.Count, Is.EqualTo(model.Count));
        }
    }

    [Test]
    public void FarDeadlinesWaitInOverflowAndStillFireOnTime()
    {
        long now = 5_000_000_000;
        var wheel = new TimerWheel(now);
        long threeYears = 3L * 365 * 24 * 3600 * 1_000_000_000;
        long deadline = now + threeYears;
        wheel.Insert(deadline, 1);
        wheel.Insert(long.MaxValue, 2);
        var expired = new List<ExpiredTimer>();
        // Walk the clock forward the way a loop would: to each wake time the wheel asks for.
        int wakes = 0;
        while (expired.Count == 0)
        {
            long wake = wheel.NextWakeNs()!.Value;
            Assert.That(wake, Is.LessThanOrEqualTo(deadline));
            now = wake;
            wheel.Expire(now, expired);
            Assert.That(++wakes, Is.LessThan(10_000));
        }
        Assert.That(expired.Single().Token, Is.EqualTo(1UL));
        Assert.That(now, Is.EqualTo(deadline), "the last wake is exactly the deadline");
        Assert.That(wheel.Count, Is.EqualTo(1));
    }

    [TestCase(7)]
    [TestCase(8)]
    public void DenseTimersDrainedInSubMillisecondStepsMatchTheModel(int seed)
    {
        // Hundreds of timers per ~1 ms bucket, the clock moved in steps of a few microseconds (as a loop with exact
        // sub-millisecond waits does), with inserts and cancels landing in the bucket being drained.
        var random = new Random(seed);
        long now = 7_000_000_000L;
        var wheel = new TimerWheel(now);
        var model = new List<(long Deadline, long Seq, ulong Token)>();
        var keys = new Dictionary<ulong, TimerKey>();
        var expired = new List<ExpiredTimer>();
        ulong nextToken = 0;
        long seq = 0;
        void Insert(long deadline)
        {
            ulong token = nextToken++;
            keys[token] = wheel.Insert(deadline, token);
            model.Add((deadline, seq++, token));
        }
        for (int i = 0; i < 3000; i++)
        {
            Insert(now + random.NextInt64(0, 5_000_000));
        }
        long end = now + 6_000_000;
        while (now < end || model.Count > 0)
        {
            int op = random.Next(20);
            if (op == 0)
            {
                Insert(now + random.NextInt64(-10_000, 300_000));
            }
            else if (op == 1 && model.Count > 0)
            {
                var victim = model[random.Next(model.Count)];
                Assert.That(wheel.Cancel(keys[victim.Token]), Is.True);
                model.Remove(victim);
            }
            if (wheel.NextWakeNs() is long wake)
            {
                long earliest = model.Min(m => m.Deadline);
                Assert.That(wake, Is.LessThanOrEqualTo(earliest), "the wheel must never sleep past a deadline");
                Assert.That(wake, Is.EqualTo(earliest), "in the finest level the wake time is the exact earliest deadline");
            }
            now += random.Next(0, 8_000);
            expired.Clear();
            wheel.Expire(now, expired);
            var due = model.Where(m => m.Deadline <= now).OrderBy(m => m.Deadline).ThenBy(m => m.Seq).ToList();
            Assert.That(expired.Select(e => e.Token), Is.EqualTo(due.Select(d => d.Token)));
            foreach (var d in due)
            {
                model.Remove(d);
            }
            Assert.That(wheel.Count, Is.EqualTo(model.Count));
        }
    }
}
