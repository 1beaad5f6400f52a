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

    [TestCase(11)]
    [TestCase(12)]
    [TestCase(13)]
    public void ChurnInsideOneBucketMatchesTheModel(int seed)
    {
        // Timers inserted, cancelled and expired inside the same ~1 ms bucket while it is being drained: a sorted
        // bucket gets holes (cancels) and a moving start (expiries), new timers are appended behind them until the
        // array is full and closes the gap, and an unsorted bucket moves its last index (a timer or a hole) into
        // each cancelled place. Every pending key must stay cancellable and every finished one must not.
        var random = new Random(seed);
        long now = 9_000_000_000L;
        var wheel = new TimerWheel(now);
        var model = new List<(long Deadline, long Seq, ulong Token)>();
        var keys = new Dictionary<ulong, TimerKey>();
        var finished = new List<TimerKey>();
        var expired = new List<ExpiredTimer>();
        ulong nextToken = 0;
        long seq = 0;
        for (int step = 0; step < 6000; step++)
        {
            int op = random.Next(10);
            if (op < 5)
            {
                // Bursts, some with equal deadlines.
                long baseDeadline = now + random.NextInt64(-20_000, 400_000);
                for (int i = random.Next(1, 30); i > 0; i--)
                {
                    long deadline = baseDeadline + (random.Next(3) == 0 ? 0 : random.Next(0, 50_000));
                    ulong token = nextToken++;
                    keys[token] = wheel.Insert(deadline, token);
                    model.Add((deadline, seq++, token));
                }
            }
            else if (op < 8 && model.Count > 0)
            {
                // Half the time the earliest timer: a hole at the start of the sorted bucket.
                var victim = random.Next(2) == 0
                    ? model.OrderBy(m => m.Deadline).ThenBy(m => m.Seq).First()
                    : model[random.Next(model.Count)];
                Assert.That(wheel.Cancel(keys[victim.Token]), Is.True, $"step {step}: a pending timer cancels");
                finished.Add(keys[victim.Token]);
                model.Remove(victim);
            }
            else
            {
                if (random.Next(2) == 0)
                {
                    wheel.NextWakeNs();
                }
                now += random.Next(0, 30_000);
                expired.Clear();
                wheel.Expire(now, expired);
                var due = model.Where(m => m.Deadline <= now).OrderBy(m => m.Deadline).ThenBy(m => m.Seq).ToList();
                Assert.That(expired.Select(e => e.Token), Is.EqualTo(due.Select(d => d.Token)), $"step {step}");
                foreach (var d in due)
                {
                    finished.Add(keys[d.Token]);
                    model.Remove(d);
                }
            }
            Assert.That(wheel.Count, Is.EqualTo(model.Count));
            if (step % 500 == 0)
            {
                Assert.That(model.All(m => wheel.IsPending(keys[m.Token])), Is.True, $"step {step}: every pending timer is pending");
                Assert.That(finished.Any(wheel.IsPending), Is.False, $"step {step}: no fired or cancelled timer is pending");
            }
        }
        // Cancel what is left, in random order, each one once.
        foreach (var m in model.OrderBy(_ => random.Next()).ToList())
        {
            Assert.That(wheel.Cancel(keys[m.Token]), Is.True);
            Assert.That(wheel.Cancel(keys[m.Token]), Is.False);
        }
        Assert.That((wheel.Count, wheel.NextWakeNs()), Is.EqualTo((0, (long?)null)));
    }

    [Test]
    public void AFarTimerCancelledFromTheOverflowNeverFires()
    {
        long now = 5_000_000_000;
        var wheel = new TimerWheel(now);
        long threeYears = 3L * 365 * 24 * 3600 * 1_000_000_000;
        TimerKey far = wheel.Insert(now + threeYears, 1);
        TimerKey near = wheel.Insert(now + 1_000, 2);
        Assert.That(wheel.Cancel(far), Is.True);
        Assert.That(wheel.Count, Is.EqualTo(1));
        var expired = new List<ExpiredTimer>();
        wheel.Expire(now + threeYears + 1, expired);
        Assert.That(expired.Select(e => e.Token), Is.EqualTo(new[] { 2UL }));
        Assert.That(wheel.IsPending(near), Is.False);
        Assert.That(wheel.NextWakeNs(), Is.Null);
    }

    [Test]
    public void ABucketThatClosesTheGapBeforeItsStartKeepsEveryTimerCancellable()
    {
        // One ~1 ms bucket: eight timers fill its array, five fire (its start moves past half the array), and the
        // next timer appended finds the array full: the three left are moved to the front. A timer moved there must
        // still cancel (its recorded position follows it), and the rest fire in order.
        long now = 1000L << 20;
        var wheel = new TimerWheel(now);
        var keys = new TimerKey[10];
        for (int i = 0; i < 8; i++)
        {
            keys[i] = wheel.Insert(now + 1_000 * (i + 1), (ulong)i);
        }
        Assert.That(wheel.NextWakeNs(), Is.EqualTo(now + 1_000), "sorted, the earliest comes first");
        var expired = new List<ExpiredTimer>();
        wheel.Expire(now + 5_000, expired);
        Assert.That(expired.Select(e => e.Token), Is.EqualTo(new ulong[] { 0, 1, 2, 3, 4 }));

        keys[8] = wheel.Insert(now + 9_000, 8);
        keys[9] = wheel.Insert(now + 10_000, 9);
        Assert.That(wheel.Cancel(keys[6]), Is.True, "a timer moved to the front cancels");
        Assert.That(wheel.Cancel(keys[6]), Is.False);
        Assert.That(new[] { 5, 7, 8, 9 }.All(i => wheel.IsPending(keys[i])), Is.True);

        expired.Clear();
        wheel.Expire(now + 20_000, expired);
        Assert.That(expired.Select(e => e.Token), Is.EqualTo(new ulong[] { 5, 7, 8, 9 }));
        Assert.That(wheel.Count, Is.Zero);
    }
    [Test]
    public void ADeadlineBeforeTheClocksOriginIsDueAtOnce()
    {
        // Instant.FromNanoseconds takes any value: a deadline below zero is simply in the past.
        long now = 5_000_000_000;
        var wheel = new TimerWheel(now);
        wheel.Insert(-1, 1);
        wheel.Insert(long.MinValue, 2);
        Assert.That(wheel.NextWakeNs(), Is.LessThanOrEqualTo(now));
        var expired = new List<ExpiredTimer>();
        wheel.Expire(now, expired);
        Assert.That(expired.Select(e => e.Token), Is.EqualTo(new[] { 2UL, 1UL }));
        Assert.That(wheel.Count, Is.Zero);
    }

    [Test]
    public void AJumpOfTheClockBeyondTheWheelsRangeFiresAnOverflowTimerInThatExpiry()
    {
        long now = 5_000_000_000;
        var wheel = new TimerWheel(now);
        long threeYears = 3L * 365 * 24 * 3600 * 1_000_000_000;
        TimerKey far = wheel.Insert(now + threeYears, 1);
        var expired = new List<ExpiredTimer>();
        wheel.Expire(now + threeYears + 1, expired);
        Assert.That(expired.Select(e => e.Token), Is.EqualTo(new[] { 1UL }), "due when the clock is past it, not at a later expiry");
        Assert.That((wheel.IsPending(far), wheel.Count, wheel.NextWakeNs()), Is.EqualTo((false, 0, (long?)null)));
    }

    [Test]
    public void AfterAJumpTimersFromTheOverflowAndFromTheWheelFireInDeadlineOrder()
    {
        // A is too far for the wheel when inserted; the clock then moves on (not far enough to look at the overflow
        // again) and B, due after A, is near enough to go into the wheel. A jump past both fires A first.
        const int TickShift = 20;
        long start = 1000L << TickShift;
        var wheel = new TimerWheel(start);
        long threshold = (1L << 36) - (1L << 30);
        long a = start + ((threshold + 10) << TickShift);
        long b = a + (100L << TickShift);
        wheel.Insert(a, 1);
        var expired = new List<ExpiredTimer>();
        wheel.Expire(start + (((1L << 30) - 1) << TickShift), expired);
        Assert.That(expired, Is.Empty);
        wheel.Insert(b, 2);
        wheel.Expire(b, expired);
        Assert.That(expired.Select(e => e.Token), Is.EqualTo(new[] { 1UL, 2UL }));
        Assert.That(expired.Select(e => e.Deadline), Is.EqualTo(new[] { a, b }));
    }

    [Test]
    public void TrimExcessKeepsPendingTimersInOrderAndCancellableAndFreedKeysStale()
    {
        // 64 timers in one ~1 ms bucket, in order (a full bucket, sorted by asking for the next wake), and one far
        // timer in the 65th node. 40 of the bucket's timers are cancelled (holes: the bucket is sorted) and the far
        // one too; trimming then shrinks the nodes to 64 and the bucket to its 24 live timers.
        long now = 1000L << 20;
        var wheel = new TimerWheel(now);
        var keys = new TimerKey[64];
        for (int i = 0; i < 64; i++)
        {
            keys[i] = wheel.Insert(now + 1_000 * (i + 1), (ulong)i);
        }
        TimerKey far = wheel.Insert(now + 10_000_000_000, 64);
        Assert.That(wheel.NextWakeNs(), Is.EqualTo(now + 1_000));
        var live = new List<int>();
        for (int i = 0; i < 64; i++)
        {
            if (i % 8 < 5 && i != 63)
            {
                Assert.That(wheel.Cancel(keys[i]), Is.True);
            }
            else
            {
                live.Add(i);
            }
        }
        Assert.That(wheel.Cancel(far), Is.True);
        Assert.That(wheel.Count, Is.EqualTo(live.Count));

        wheel.TrimExcess();

        Assert.That((wheel.IsPending(far), wheel.Cancel(far)), Is.EqualTo((false, false)), "a key freed before the trim names nothing");
        Assert.That(live.All(i => wheel.IsPending(keys[i])), Is.True);
        Assert.That(wheel.NextWakeNs(), Is.EqualTo(now + 1_000 * (live[0] + 1)));
        foreach (int i in new[] { live[3], live[10], live[^1] })
        {
            Assert.That(wheel.Cancel(keys[i]), Is.True, "a timer moved by the trim cancels");
            live.Remove(i);
        }
        var expired = new List<ExpiredTimer>();
        wheel.Expire(now + 100_000, expired);
        Assert.That(expired.Select(e => e.Token), Is.EqualTo(live.Select(i => (ulong)i)));
        Assert.That((wheel.Count, wheel.NextWakeNs()), Is.EqualTo((0, (long?)null)));
    }

    [Test]
    [NonParallelizable]
    public void ABurstOfTimersLeavesNothingBehindAfterTrimExcess()
    {
        // Two buckets of 300 000 timers: one sorted and expired in order, one expired whole without being sorted.
        // Their nodes, bucket arrays and sorting scratch go once the wheel is trimmed; a long-lived timer stays.
        const int Burst = 300_000;
        const long Tolerance = 1024 * 1024;
        long now = 1000L << 20;
        var wheel = new TimerWheel(now);
        TimerKey longLived = wheel.Insert(now + 3_600_000_000_000, 1);
        long fresh = GC.GetTotalMemory(forceFullCollection: true);
        FireTwoBursts(wheel, now, Burst);
        Assert.That(wheel.IsSparse, Is.True, "one timer left of 300 001 nodes");
        long burst = GC.GetTotalMemory(forceFullCollection: true);

        wheel.TrimExcess();

        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.That(burst - fresh, Is.GreaterThan(8 * Tolerance), "the burst held memory (or this test measures nothing)");
        Assert.That(after - fresh, Is.LessThan(Tolerance), $"fresh {fresh:N0} B, after the burst {burst:N0} B, after TrimExcess {after:N0} B");
        Assert.That((wheel.IsSparse, wheel.IsPending(longLived), wheel.Count), Is.EqualTo((false, true, 1)));
    }

    /// <summary>Fires a bucket of timers sorted first and one expired whole (a method of its own, so that nothing it held outlives it).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void FireTwoBursts(TimerWheel wheel, long now, int burst)
    {
        var expired = new List<ExpiredTimer>();
        for (int phase = 0; phase < 2; phase++)
        {
            long bucket = now + ((5L + 5 * phase) << 20);
            for (int i = 0; i < burst; i++)
            {
                wheel.Insert(bucket + (i * 7919L) % 1_000_000, (ulong)(2 + i));
            }
            if (phase == 0)
            {
                Assert.That(wheel.NextWakeNs(), Is.EqualTo(bucket));
            }
            expired.Clear();
            wheel.Expire(bucket + (2L << 20), expired);
            Assert.That(expired, Has.Count.EqualTo(burst));
        }
    }
}
