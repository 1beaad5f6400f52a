using System;
using System.Collections.Generic;
using System.Linq;
using Calloop.Timers;
using NUnit.Framework;

namespace Calloop.Tests.Timers;

/// <summary>The wheel at its edges: big unsorted buckets, every level's first and last slot, the overflow's threshold.</summary>
public class TimerWheelBoundaryTests
{
    private const int TickShift = 20;
    private const long Tick = 1L << TickShift;
    private const long WheelRangeTicks = 1L << 36;
    private const long OverflowRecheckTicks = 1L << 30;

    /// <summary>
    /// Drives the wheel as a loop does, waking exactly at each time <see cref="TimerWheel.NextWakeNs"/> asks for, and
    /// checks that every timer fires at that wake which equals its deadline: never early, never late, in order.
    /// </summary>
    private static void DriveAndCheckExact(TimerWheel wheel, List<(long Deadline, ulong Token)> timers)
    {
        var pending = timers.OrderBy(t => t.Deadline).ToList();
        var expired = new List<ExpiredTimer>();
        int wakes = 0;
        while (pending.Count > 0)
        {
            long? next = wheel.NextWakeNs();
            Assert.That(next, Is.Not.Null, $"{pending.Count} timers pending");
            long now = next!.Value;
            Assert.That(now, Is.LessThanOrEqualTo(pending[0].Deadline), "the wheel must never sleep past a deadline");
            expired.Clear();
            wheel.Expire(now, expired);
            var due = pending.TakeWhile(t => t.Deadline <= now).ToList();
            Assert.That(expired.Select(e => e.Token), Is.EqualTo(due.Select(t => t.Token)), $"fired at {now}");
            Assert.That(expired.Select(e => e.Deadline), Is.All.EqualTo(now), "a timer fires at the wake equal to its deadline");
            pending.RemoveRange(0, due.Count);
            Assert.That(wheel.Count, Is.EqualTo(pending.Count));
            Assert.That(++wakes, Is.LessThan(100_000), "the wheel keeps asking for wake-ups");
        }
        Assert.That(wheel.NextWakeNs(), Is.Null);
    }

    [TestCase(200, 999_000L)]
    [TestCase(300, 1_000L)]
    [TestCase(150, 7_000_000_000L)]
    public void AnUnsortedBucketOfManyDueTimersDrainsInDeadlineThenInsertionOrder(int count, long spreadNs)
    {
        // Never asked for its next wake, the bucket stays unsorted; expiring well after it takes the whole bucket out
        // at once. A narrow spread (within the bucket, with ties) is sorted by counting, a wide one (timers overdue
        // when inserted land in the current bucket) by comparison.
        var random = new Random(count);
        long start = (50_000L << TickShift) + 12_345;
        var wheel = new TimerWheel(start);
        long first = spreadNs < Tick ? ((start >> TickShift) + 3) << TickShift : start - spreadNs;
        var model = new List<(long Deadline, long Seq, ulong Token)>();
        for (int i = 0; i < count; i++)
        {
            long deadline = first + random.NextInt64(0, spreadNs);
            wheel.Insert(deadline, (ulong)i);
            model.Add((deadline, i, (ulong)i));
        }
        var expired = new List<ExpiredTimer>();
        wheel.Expire(first + spreadNs + 5 * Tick, expired);
        Assert.That(expired.Select(e => e.Token), Is.EqualTo(model.OrderBy(m => m.Deadline).ThenBy(m => m.Seq).Select(m => m.Token)));
        Assert.That(expired.Select(e => e.Deadline), Is.EqualTo(model.Select(m => m.Deadline).Order()));
        Assert.That((wheel.Count, wheel.NextWakeNs()), Is.EqualTo((0, (long?)null)));
    }

    [Test]
    public void ABucketDrainedTwiceReusesItsScratchAndKeepsOrder()
    {
        long start = 9_000L << TickShift;
        var wheel = new TimerWheel(start);
        var expired = new List<ExpiredTimer>();
        for (int round = 0; round < 3; round++)
        {
            long bucket = start + (round * 10 + 2) * Tick;
            int count = 100 + 60 * round;
            for (int i = 0; i < count; i++)
            {
                // Reverse order: the last inserted is due first.
                wheel.Insert(bucket + (count - i) * 1_000, (ulong)i);
            }
            expired.Clear();
            wheel.Expire(bucket + 3 * Tick, expired);
            Assert.That(expired.Select(e => e.Token), Is.EqualTo(Enumerable.Range(0, count).Reverse().Select(i => (ulong)i)), $"round {round}");
        }
    }

    [TestCase(0L)]
    [TestCase(WheelRangeTicks - 1)]
    [TestCase((1L << 24) - 1)]
    [TestCase(0x5A5A5A5L)]
    public void TimersOnEveryLevelsEdgesFireExactlyOnTime(long startTick)
    {
        // The wheel's position in every level is the last slot (all ones), the first (zero) or in between; timers 2^k
        // ticks away, one tick either side and a few nanoseconds into the tick, cross every level's slot boundaries.
        long start = ((startTick + WheelRangeTicks) << TickShift) + 777;
        var wheel = new TimerWheel(start);
        var timers = new List<(long Deadline, ulong Token)>();
        ulong token = 0;
        for (int k = 0; k <= 36; k += 1)
        {
            foreach (long ticks in new[] { (1L << k) - 1, 1L << k, (1L << k) + 1 })
            {
                foreach (long ns in new long[] { 0, 1, Tick - 1 })
                {
                    long deadline = ((start >> TickShift) + ticks << TickShift) + ns;
                    if (deadline > start)
                    {
                        wheel.Insert(deadline, token);
                        timers.Add((deadline, token++));
                    }
                }
            }
        }
        DriveAndCheckExact(wheel, timers);
    }

    [TestCase(0L)]
    [TestCase(OverflowRecheckTicks / 2)]
    public void TimersAroundTheOverflowThresholdFireExactlyOnTime(long startTick)
    {
        // At the threshold a timer is kept in the overflow bucket rather than in the wheel, whose last rotation it
        // could be mistaken for; either side of it, and a whole wheel's range away, it must fire at its deadline.
        long start = (startTick + (3L << 36)) << TickShift;
        var wheel = new TimerWheel(start);
        long threshold = WheelRangeTicks - OverflowRecheckTicks;
        var timers = new List<(long Deadline, ulong Token)>();
        ulong token = 0;
        foreach (long ticks in new[] { threshold - 1, threshold, threshold + 1, WheelRangeTicks - 1, WheelRangeTicks, WheelRangeTicks + 1, WheelRangeTicks + OverflowRecheckTicks })
        {
            foreach (long ns in new long[] { 0, Tick - 1 })
            {
                long deadline = start + (ticks << TickShift) + ns;
                wheel.Insert(deadline, token);
                timers.Add((deadline, token++));
            }
        }
        Assert.That(wheel.NextWakeNs(), Is.LessThanOrEqualTo(start + (threshold - 1 << TickShift)));
        DriveAndCheckExact(wheel, timers);
    }

    [Test]
    public void ATimerInTheOverflowStaysThereUntilItsRecheckAndThenFiresOnTime()
    {
        long start = 1L << 50;
        var wheel = new TimerWheel(start);
        long deadline = start + ((WheelRangeTicks - OverflowRecheckTicks) << TickShift) + 5;
        wheel.Insert(deadline, 1);
        // Only the overflow is occupied: the wheel wakes at the recheck, not before and not at the deadline.
        Assert.That(wheel.NextWakeNs(), Is.EqualTo(start + (OverflowRecheckTicks << TickShift)));
        var expired = new List<ExpiredTimer>();
        wheel.Expire(start + (OverflowRecheckTicks << TickShift) - 1, expired);
        Assert.That(wheel.NextWakeNs(), Is.EqualTo(start + (OverflowRecheckTicks << TickShift)), "no recheck before its time");
        DriveAndCheckExact(wheel, [(deadline, 1)]);
        Assert.That(expired, Is.Empty);
    }

    [Test]
    public void AnOverflowTimerFiresWhenTheClockJumpsPastItsDeadline()
    {
        long now = 5_000_000_000;
        var wheel = new TimerWheel(now);
        long threeYears = 3L * 365 * 24 * 3600 * 1_000_000_000;
        wheel.Insert(now + threeYears, 1);
        wheel.Insert(now + 1_000_000, 2);
        var expired = new List<ExpiredTimer>();
        wheel.Expire(now + threeYears - 1, expired);
        Assert.That(expired.Select(e => e.Token), Is.EqualTo(new[] { 2UL }), "one nanosecond before its deadline the far timer stays");
        expired.Clear();
        wheel.Expire(now + threeYears + 1, expired);
        Assert.That(expired.Select(e => e.Token), Is.EqualTo(new[] { 1UL }), "a jump of three years fires the timer in the overflow bucket");
        Assert.That(wheel.Count, Is.Zero);
    }
}
