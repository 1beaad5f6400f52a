using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Calloop.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

/// <summary>
/// <see cref="TimerQueue{T}"/>: many timers in one source, with versioned handles. Most tests run on fake time, so
/// that "due" and "not yet due" are exact and nothing waits.
/// </summary>
public class TimerQueueTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private sealed class Log
    {
        public readonly List<int> Fired = [];
        public readonly List<Instant> Deadlines = [];
        public Func<int, FiredTimer, TimeoutAction>? OnFire;
    }

    /// <summary>A loop on fake time with a queue inserted; the callback logs each payload and asks <see cref="Log.OnFire"/> what to do.</summary>
    private static (EventLoop<Log> Loop, TimerQueue<int> Queue, FakeTimeProvider Time, RegistrationToken Token) Create()
    {
        var time = new FakeTimeProvider();
        var loop = new EventLoop<Log>(new EventLoopOptions { TimeProvider = time });
        var queue = new TimerQueue<int>();
        RegistrationToken token = loop.Handle.InsertSource(queue, (payload, ref timer, ref log) =>
        {
            log.Fired.Add(payload);
            log.Deadlines.Add(timer.Deadline);
            return log.OnFire?.Invoke(payload, timer) ?? TimeoutAction.Drop;
        });
        return (loop, queue, time, token);
    }

    [Test]
    public void DueTimersFireInDeadlineOrderWithTiesInInsertionOrderAndNeverEarly()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        Instant start = Instant.Now;
        queue.Add(start + TimeSpan.FromSeconds(3), 30);
        queue.Add(start + TimeSpan.FromSeconds(1), 10);
        queue.Add(start + TimeSpan.FromSeconds(2), 21);
        queue.Add(start + TimeSpan.FromSeconds(2), 22);
        queue.Add(TimeSpan.FromSeconds(2), 23);
        var log = new Log();

        time.Advance(TimeSpan.FromSeconds(1) - Tick);
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.Empty, "one tick before the earliest deadline");

        time.Advance(Tick);
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 10 }));

        time.Advance(TimeSpan.FromSeconds(5));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 10, 21, 22, 23, 30 }), "deadline order; equal deadlines in the order added");
        Assert.That(log.Deadlines[1], Is.EqualTo(start + TimeSpan.FromSeconds(2)), "the metadata carries the deadline");
        Assert.That(queue.Count, Is.Zero);
    }

    [Test]
    public void OnTheRealClockATimerNeverFiresBeforeItsDeadline()
    {
        using var loop = new EventLoop<List<(Instant Deadline, Instant At)>>();
        var queue = new TimerQueue<int>();
        loop.Handle.InsertSource(queue, (_, ref timer, ref seen) =>
        {
            seen.Add((timer.Deadline, Instant.Now));
            return TimeoutAction.Drop;
        });
        for (int i = 0; i < 20; i++)
        {
            queue.Add(TimeSpan.FromMicroseconds(250 * i), i);
        }
        var seen = new List<(Instant Deadline, Instant At)>();
        Waits.DispatchUntil(loop, ref seen, () => seen.Count == 20, "every timer fired");
        Assert.That(seen.TrueForAll(s => s.At >= s.Deadline), Is.True, "fired at or after its deadline");
    }

    [Test]
    public void StaleHandlesActOnNothingEvenWhenTheirSlotHoldsANewerTimer()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        var log = new Log();
        TimerQueueHandle fired = queue.Add(TimeSpan.Zero, 1);
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1 }));

        TimerQueueHandle cancelled = queue.Add(TimeSpan.FromSeconds(1), 2);
        Assert.That(queue.Cancel(cancelled), Is.True);
        TimerQueueHandle newer = queue.Add(TimeSpan.FromSeconds(1), 3);

        Assert.Multiple(() =>
        {
            Assert.That(queue.Cancel(fired), Is.False, "fired and dropped");
            Assert.That(queue.Cancel(cancelled), Is.False, "cancelled twice");
            Assert.That(queue.Reschedule(cancelled, Instant.Now), Is.False);
            Assert.That(queue.Contains(cancelled), Is.False);
            Assert.That(queue.TryGetDeadline(fired, out _), Is.False);
            Assert.That(queue.Cancel(default), Is.False, "default names no timer");
            Assert.That(queue.Reschedule(default, Instant.Now), Is.False);
            Assert.That(queue.Contains(newer), Is.True);
            Assert.That(queue.Count, Is.EqualTo(1));
        });
        time.Advance(TimeSpan.FromSeconds(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 3 }), "the newer timer in the reused slot was untouched");
    }

    [Test]
    public void AHandleOfAnotherQueueIsRefusedWithAClearError()
    {
        var a = new TimerQueue<int>();
        var b = new TimerQueue<int>();
        TimerQueueHandle h = a.Add(TimeSpan.FromSeconds(1), 1);
        var e = Assert.Throws<ArgumentException>(() => b.Cancel(h))!;
        Assert.That(e.Message, Does.StartWith("TimerQueue.Cancel: ").And.Contain("another TimerQueue"));
        Assert.Throws<ArgumentException>(() => b.Reschedule(h, Instant.Now));
        Assert.That(a.Contains(h), Is.True, "nothing was done to it");
    }

    [Test]
    public void RescheduleMovesATimerAndKeepsItsHandle()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        var log = new Log();
        Instant start = Instant.Now;
        TimerQueueHandle h = queue.Add(start + TimeSpan.FromSeconds(1), 1);
        queue.Add(start + TimeSpan.FromSeconds(2), 2);
        Assert.That(queue.Reschedule(h, start + TimeSpan.FromSeconds(3)), Is.True);
        Assert.That(queue.TryGetDeadline(h, out Instant d) && d == start + TimeSpan.FromSeconds(3), Is.True);

        time.Advance(TimeSpan.FromSeconds(2));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 2 }), "moved later: not at its old deadline");

        Assert.That(queue.Reschedule(h, TimeSpan.Zero), Is.True, "moved earlier, to now");
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 2, 1 }));
        Assert.That(queue.Contains(h), Is.False, "dropped after it fired");
    }

    [Test]
    public void EqualDeadlinesFireInTheOrderTheyWereAddedOrLastRescheduled()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        Instant at = Instant.Now + TimeSpan.FromSeconds(1);
        TimerQueueHandle first = queue.Add(at, 1);
        queue.Add(at, 2);
        queue.Reschedule(first, at);
        var log = new Log();
        time.Advance(TimeSpan.FromSeconds(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 2, 1 }));
    }

    [Test]
    public void ACallbackThatReturnsADurationReArmsTheSameHandle()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        TimerQueueHandle h = queue.Add(TimeSpan.FromSeconds(1), 7);
        var handles = new List<TimerQueueHandle>();
        var log = new Log();
        log.OnFire = (_, timer) =>
        {
            handles.Add(timer.Handle);
            return handles.Count < 3 ? TimeoutAction.ToDuration(TimeSpan.FromSeconds(1)) : TimeoutAction.Drop;
        };
        for (int i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            loop.Dispatch(TimeSpan.Zero, ref log);
        }
        Assert.That(handles, Is.EqualTo(new[] { h, h, h }));
        Assert.That(queue.Contains(h), Is.False);
        Assert.That(queue.Count, Is.Zero);
    }

    [Test]
    public void CancelAndRescheduleFromAnEarlierCallbackOfTheSameBatch()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        Instant start = Instant.Now;
        queue.Add(start + TimeSpan.FromSeconds(1), 1);
        TimerQueueHandle second = queue.Add(start + TimeSpan.FromSeconds(2), 2);
        TimerQueueHandle third = queue.Add(start + TimeSpan.FromSeconds(3), 3);
        queue.Add(start + TimeSpan.FromSeconds(4), 4);
        var log = new Log
        {
            OnFire = (payload, _) =>
            {
                if (payload == 1)
                {
                    Assert.That(queue.Cancel(second), Is.True, "due, not yet fired: cancellable");
                    Assert.That(queue.Reschedule(third, start + TimeSpan.FromSeconds(10)), Is.True);
                }
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(5));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 4 }));
        time.Advance(TimeSpan.FromSeconds(5));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 4, 3 }));
    }

    [Test]
    public void InsideItsOwnCallbackCancelAndRescheduleTakeThePlaceOfWhatItReturns()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        TimerQueueHandle cancelled = queue.Add(TimeSpan.FromSeconds(1), 1);
        TimerQueueHandle moved = queue.Add(TimeSpan.FromSeconds(1), 2);
        bool rescheduled = false;
        var log = new Log
        {
            OnFire = (payload, timer) =>
            {
                Assert.That(queue.Contains(timer.Handle), Is.True, "a firing timer is in the queue");
                if (payload == 1)
                {
                    Assert.That(queue.Cancel(timer.Handle), Is.True);
                    return TimeoutAction.ToDuration(TimeSpan.Zero);
                }
                if (!rescheduled)
                {
                    rescheduled = true;
                    Assert.That(queue.Reschedule(timer.Handle, TimeSpan.FromSeconds(5)), Is.True);
                }
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(queue.Contains(cancelled), Is.False, "cancelled despite ToDuration");
        Assert.That(queue.Contains(moved), Is.True, "rescheduled despite Drop");
        time.Advance(TimeSpan.FromSeconds(5));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2, 2 }));
    }

    [Test]
    public void CancelAndRescheduleFromAnotherSourcesCallback()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        TimerQueueHandle a = queue.Add(TimeSpan.FromSeconds(1), 1);
        TimerQueueHandle b = queue.Add(TimeSpan.FromSeconds(1), 2);
        var (ping, pingSource) = Ping.Create();
        using Ping owner = ping;
        loop.Handle.InsertSource(pingSource, (_, ref _, ref _) =>
        {
            queue.Cancel(a);
            queue.Reschedule(b, TimeSpan.Zero);
        });
        var log = new Log();
        ping.Send();
        loop.Dispatch(TimeSpan.FromSeconds(5), ref log);
        Assert.That(log.Fired, Is.Empty, "moved to now from a callback: fires at the next dispatch");
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 2 }));
        time.Advance(TimeSpan.FromSeconds(2));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 2 }), "the cancelled timer never fires");
    }

    [Test]
    public void ATimerAddedFromACallbackWithAPastDeadlineFiresAtTheNextDispatchAsATimerSourceDoes()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        var sourceFired = new List<int>();
        queue.Add(TimeSpan.FromSeconds(1), 1);
        var log = new Log
        {
            OnFire = (payload, timer) =>
            {
                if (payload == 1)
                {
                    queue.Add(timer.Deadline - TimeSpan.FromSeconds(1), 2);
                    loop.Handle.InsertSource(TimerSource.FromDeadline(timer.Deadline - TimeSpan.FromSeconds(1)), (_, ref _, ref _) =>
                    {
                        sourceFired.Add(2);
                        return TimeoutAction.Drop;
                    });
                }
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1 }), "not in the batch it was added from");
        Assert.That(sourceFired, Is.Empty, "a TimerSource inserted there does the same");
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(sourceFired, Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public void TimersThatComeDueWhileTheBatchRunsFireInTheSameDispatch()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        Instant start = Instant.Now;
        queue.Add(TimeSpan.FromSeconds(1), 1);
        queue.Add(TimeSpan.FromSeconds(2), 2);
        queue.Add(TimeSpan.FromSeconds(3), 3);
        var seenAt = new List<Instant>();
        var log = new Log
        {
            OnFire = (payload, _) =>
            {
                seenAt.Add(Instant.Now);
                if (payload == 1)
                {
                    time.Advance(TimeSpan.FromSeconds(1));   // a slow callback: timer 2 comes due meanwhile
                }
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2 }), "timer 2 came due during the batch: no second wake-up for it");
        Assert.That(seenAt[1], Is.GreaterThanOrEqualTo(start + TimeSpan.FromSeconds(2)), "and still not early");
        Assert.That(queue.Count, Is.EqualTo(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2 }), "timer 3 is not due");
        time.Advance(TimeSpan.FromSeconds(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2, 3 }));
    }

    [Test]
    public void TimersTheBatchAddsOrReArmsWaitForTheNextDispatchEvenWhenTheyComeDueDuringIt()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        Instant start = Instant.Now;
        queue.Add(TimeSpan.FromSeconds(1), 1);
        queue.Add(TimeSpan.FromMilliseconds(1500), 2);
        bool first = true;
        var log = new Log
        {
            OnFire = (payload, _) =>
            {
                if (payload == 1 && first)
                {
                    first = false;
                    queue.Add(start + TimeSpan.FromMilliseconds(1200), 10);   // future now, due by the batch's end
                    time.Advance(TimeSpan.FromSeconds(1));
                    return TimeoutAction.ToInstant(start + TimeSpan.FromMilliseconds(1100));
                }
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2 }), "timer 2 was in the queue before the batch; 10 and the re-armed 1 were not");
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2, 1, 10 }), "the next dispatch, in deadline order");
        Assert.That(queue.Count, Is.Zero);
    }

    [Test]
    public void ABatchRunsAtMostAsManyLateTimersAsItStartedWithAndLeavesTheRestForTheNextDispatch()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        queue.Add(TimeSpan.FromSeconds(1), 0);
        queue.Add(TimeSpan.FromSeconds(1), 1);
        for (int k = 1; k <= 10; k++)
        {
            queue.Add(TimeSpan.FromSeconds(1) + TimeSpan.FromMilliseconds(10 * k), 10 + k);
        }
        // Every callback takes 50 ms: the timers fall behind faster than they fire. Without a bound, one dispatch would
        // run them all and starve the loop's other sources.
        var log = new Log
        {
            OnFire = (_, _) =>
            {
                time.Advance(TimeSpan.FromMilliseconds(50));
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 0, 1, 11, 12 }), "two due at the start, so at most two late ones");
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 0, 1, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 }), "the rest, in order, nothing lost");
        Assert.That(queue.Count, Is.Zero);
    }

    [Test]
    public void TheRestOfABatchTheBudgetCutShortFiresInADispatchOfItsOwnSoEachDispatchIsInDeadlineOrder()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        Instant start = Instant.Now;
        queue.Add(start + TimeSpan.FromSeconds(1), 1);
        queue.Add(start + TimeSpan.FromSeconds(1), 2);
        for (int k = 1; k <= 5; k++)
        {
            queue.Add(start + TimeSpan.FromMilliseconds(1000 + (100 * k)), 10 + k);
        }
        var log = new Log
        {
            OnFire = (payload, _) =>
            {
                if (payload == 2)
                {
                    time.Advance(TimeSpan.FromSeconds(1));
                }
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2, 11, 12 }), "two due at the start, two late ones; 13-15 are left");
        queue.Add(start + TimeSpan.FromMilliseconds(1050), 99);
        log.Fired.Clear();
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 13, 14, 15 }), "the rest of the batch, on its own: 99 is not fired after them in the same dispatch");
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 13, 14, 15, 99 }));
    }

    [Test]
    public void ATimerAddedIntoThePastFromACallbackFiresRightAfterTheRestOfABatchTheBudgetCutShort()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        Instant start = Instant.Now;
        queue.Add(start + TimeSpan.FromSeconds(1), 1);
        for (int k = 1; k <= 3; k++)
        {
            queue.Add(start + TimeSpan.FromMilliseconds(1000 + (100 * k)), 10 + k);
        }
        var log = new Log
        {
            OnFire = (payload, timer) =>
            {
                if (payload == 1)
                {
                    queue.Add(timer.Deadline, 50);
                    time.Advance(TimeSpan.FromSeconds(1));
                }
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 11 }), "one timer at the start, so one late one");
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 11, 12, 13 }), "the rest of the batch, in a dispatch of its own");
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 11, 12, 13, 50 }), "then the timer the batch added");
    }

    [TestCase(false, new[] { 1, 2, 3, 11, 12 }, new int[0])]
    [TestCase(true, new[] { 1, 2, 3, 11 }, new[] { 1, 12 })]
    public void APassThatFindsATimerTheBatchReArmedAlreadyDueIsTheLast(bool rearmIntoThePast, int[] first, int[] second)
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        Instant start = Instant.Now;
        for (int i = 1; i <= 3; i++)
        {
            queue.Add(start + TimeSpan.FromSeconds(1), i);
        }
        queue.Add(start + TimeSpan.FromMilliseconds(1050), 11);
        queue.Add(start + TimeSpan.FromMilliseconds(1150), 12);
        bool rearmed = false;
        var log = new Log
        {
            OnFire = (payload, timer) =>
            {
                if (payload == 1 && rearmIntoThePast && !rearmed)
                {
                    rearmed = true;
                    return TimeoutAction.ToInstant(timer.Deadline);
                }
                if (payload is 3 or 11)
                {
                    time.Advance(TimeSpan.FromMilliseconds(100));
                }
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(first), "11 is late and runs; 12 comes due during 11, after a pass that set 1 aside");
        log.Fired.Clear();
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(second), "the next dispatch, in deadline order");
    }

    [Test]
    public void TimersTheBatchReArmsIntoThePastCostOneLatePassNotOnePerLateTimer()
    {
        // 8 000 timers re-arm themselves into the past (they wait for the next dispatch) while 8 000 older timers come due
        // one per callback. Each late pass used to take the re-armed ones out of the wheel and put them back: quadratic,
        // about 10 s here; linear, it is milliseconds. The bound is generous; what it catches is the quadratic.
        const int n = 8000;
        var time = new FakeTimeProvider();
        using var loop = new EventLoop<int>(new EventLoopOptions { TimeProvider = time });
        var queue = new TimerQueue<int>();
        loop.Handle.InsertSource(queue, (payload, ref timer, ref calls) =>
        {
            calls++;
            if (payload < n)
            {
                if (payload == n - 1)
                {
                    time.Advance(TimeSpan.FromMicroseconds(10));
                }
                return calls <= n ? TimeoutAction.ToInstant(timer.Deadline) : TimeoutAction.Drop;
            }
            time.Advance(TimeSpan.FromMicroseconds(10));
            return TimeoutAction.Drop;
        });
        Instant now = Instant.Now;
        for (int i = 0; i < n; i++)
        {
            queue.Add(now + TimeSpan.FromSeconds(1), i);
        }
        for (int j = 1; j <= n; j++)
        {
            queue.Add(now + TimeSpan.FromSeconds(1) + TimeSpan.FromMicroseconds(10 * j), n + j);
        }
        time.Advance(TimeSpan.FromSeconds(1));
        int calls = 0;
        var watch = Stopwatch.StartNew();
        while (calls < 3 * n && watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            loop.Dispatch(TimeSpan.Zero, ref calls);
        }
        watch.Stop();
        Assert.That(calls, Is.EqualTo(3 * n), "every timer fired, the re-armed ones twice");
        Assert.That(queue.Count, Is.Zero);
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public void TrimExcessGivesBackTheMemoryOfTimersReArmedIntoThePast()
    {
        const int n = 500_000;
        var time = new FakeTimeProvider();
        using var loop = new EventLoop<int>(new EventLoopOptions { TimeProvider = time });
        var queue = new TimerQueue<int>();
        loop.Handle.InsertSource(queue, (_, ref timer, ref calls) => ++calls <= n ? TimeoutAction.ToInstant(timer.Deadline) : TimeoutAction.Drop);
        int calls = 0;
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        Instant now = Instant.Now;
        for (int i = 0; i < n; i++)
        {
            queue.Add(now, i);
        }
        // Each fires and re-arms for its own (passed) deadline: the late pass sets all of them aside for the next dispatch.
        loop.Dispatch(TimeSpan.Zero, ref calls);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(queue.Count, Is.Zero);
        queue.TrimExcess();
        long trimmed = GC.GetTotalMemory(forceFullCollection: true);
        Assert.That(trimmed - baseline, Is.LessThan(2_000_000), $"{baseline:N0} B before the burst, {trimmed:N0} B after it and the trim");
    }

    [Test]
    public void TimersAddedBeforeInsertionFireOnceTheQueueIsInALoop()
    {
        var time = new FakeTimeProvider();
        using var loop = new EventLoop<Log>(new EventLoopOptions { TimeProvider = time });
        var queue = new TimerQueue<int>();
        queue.Add(Instant.Now + TimeSpan.FromSeconds(1), 1);
        TimerQueueHandle gone = queue.Add(Instant.Now, 2);
        Assert.That(queue.Cancel(gone), Is.True);
        Assert.That(queue.Count, Is.EqualTo(1));
        loop.Handle.InsertSource(queue, (payload, ref _, ref log) =>
        {
            log.Fired.Add(payload);
            return TimeoutAction.Drop;
        });
        var log = new Log();
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.Empty);
        time.Advance(TimeSpan.FromSeconds(1));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public void ADeadlineThatNeverComesIsKeptButNeverFires()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        TimerQueueHandle never = queue.Add(Instant.MaxValue, 1);
        TimerQueueHandle alsoNever = queue.Add(TimeSpan.MaxValue, 2);
        var log = new Log();
        time.Advance(TimeSpan.FromDays(5000));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.Empty);
        Assert.That(queue.Count, Is.EqualTo(2));
        Assert.That(queue.TryGetDeadline(never, out Instant d) && d == Instant.MaxValue, Is.True);
        Assert.That(queue.Cancel(alsoNever), Is.True);
        Assert.That(queue.Reschedule(never, TimeSpan.Zero), Is.True);
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public void RemovingTheQueueDropsEveryTimer()
    {
        var (loop, queue, time, token) = Create();
        using EventLoop<Log> owned = loop;
        TimerQueueHandle h = queue.Add(TimeSpan.FromSeconds(1), 1);
        queue.Add(TimeSpan.FromSeconds(2), 2);
        loop.Handle.Remove(token);
        Assert.Multiple(() =>
        {
            Assert.That(queue.Count, Is.Zero);
            Assert.That(queue.Contains(h), Is.False);
            Assert.That(queue.Cancel(h), Is.False, "stale, and usable from any thread now that it is out of the loop");
            Assert.That(loop.Handle.SourceCount, Is.Zero);
        });
        var e = Assert.Throws<ObjectDisposedException>(() => queue.Add(TimeSpan.Zero, 3))!;
        Assert.That(e.Message, Does.Contain("TimerQueue.Add"));
        Assert.Throws<ObjectDisposedException>(() => loop.Handle.InsertSource(queue, (_, ref _, ref _) => TimeoutAction.Drop));
        var log = new Log();
        time.Advance(TimeSpan.FromSeconds(5));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.Empty);
    }

    [Test]
    public void RemovingTheQueueFromItsOwnCallbackEndsTheBatchThere()
    {
        var (loop, queue, time, token) = Create();
        using EventLoop<Log> owned = loop;
        for (int i = 1; i <= 3; i++)
        {
            queue.Add(TimeSpan.FromSeconds(i), i);
        }
        var log = new Log
        {
            OnFire = (payload, _) =>
            {
                if (payload == 2)
                {
                    loop.Handle.Remove(token);
                }
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(5));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
        Assert.That(queue.Count, Is.Zero);
    }

    [Test]
    public void DisablingTheQueueFromItsCallbackPausesTheBatchAndEnablingResumesIt()
    {
        var (loop, queue, time, token) = Create();
        using EventLoop<Log> owned = loop;
        for (int i = 1; i <= 4; i++)
        {
            queue.Add(TimeSpan.FromSeconds(i), i);
        }
        var log = new Log
        {
            OnFire = (payload, _) =>
            {
                if (payload == 2)
                {
                    loop.Handle.Disable(token);
                }
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(3));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2 }));
        time.Advance(TimeSpan.FromSeconds(3));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2 }), "disabled: nothing fires");
        queue.Add(TimeSpan.Zero, 5);
        Assert.That(queue.Count, Is.EqualTo(3), "a disabled queue still takes timers");
        loop.Handle.Enable(token);
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2, 3 }), "the interrupted batch comes first, in one dispatch of its own");
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
    }

    [Test]
    public void AThrowingCallbackKeepsItsTimerAndTheRestOfTheBatchForTheNextDispatch()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        for (int i = 1; i <= 3; i++)
        {
            queue.Add(TimeSpan.FromSeconds(i), i);
        }
        bool thrown = false;
        var log = new Log
        {
            OnFire = (payload, _) =>
            {
                if (payload == 2 && !thrown)
                {
                    thrown = true;
                    throw new InvalidOperationException("boom");
                }
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.Zero, ref log));
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(queue.Count, Is.EqualTo(2), "the timer that threw and the one after it");
        // The first dispatch after an exception finishes the loop's interrupted batch (its idles); the next one delivers
        // the queue's rest, as it does for a TimerSource whose callback threw.
        loop.Dispatch(TimeSpan.Zero, ref log);
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2, 2, 3 }), "retried first, then the rest, in order");
        Assert.That(queue.Count, Is.Zero);
    }

    [TestCase("TimerQueue.Add")]
    [TestCase("TimerQueue.Cancel")]
    [TestCase("TimerQueue.Reschedule")]
    [TestCase("TimerQueue.Contains")]
    [TestCase("TimerQueue.TryGetDeadline")]
    [TestCase("TimerQueue.Clear")]
    [TestCase("TimerQueue.TrimExcess")]
    public void InALoopEveryMemberRefusesAnotherThread(string operation)
    {
        using var loop = new EventLoop<int>();
        var queue = new TimerQueue<int>();
        TimerQueueHandle h = queue.Add(TimeSpan.FromSeconds(10), 1);
        loop.Handle.InsertSource(queue, (_, ref _, ref _) => TimeoutAction.Drop);
        Action call = operation switch
        {
            "TimerQueue.Add" => () => queue.Add(TimeSpan.Zero, 2),
            "TimerQueue.Cancel" => () => queue.Cancel(h),
            "TimerQueue.Reschedule" => () => queue.Reschedule(h, TimeSpan.Zero),
            "TimerQueue.Contains" => () => queue.Contains(h),
            "TimerQueue.TryGetDeadline" => () => queue.TryGetDeadline(h, out _),
            "TimerQueue.Clear" => queue.Clear,
            _ => queue.TrimExcess,
        };
        Exception? caught = null;
        Thread thread = Waits.Start(() =>
        {
            try
            {
                call();
            }
            catch (Exception e)
            {
                caught = e;
            }
        });
        Waits.Join(thread, "the foreign thread ended");
        Assert.That(caught, Is.TypeOf<InvalidOperationException>());
        Assert.That(caught!.Message, Does.StartWith(operation + " must be called on the event loop's thread"));
        Assert.That(queue.Count, Is.EqualTo(1));
        Assert.That(queue.TryGetDeadline(h, out _), Is.True, "nothing changed");
    }

    [Test]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimerQueue<int>(-1));
    }

    [Test]
    public void ClearCancelsEveryTimer()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        TimerQueueHandle h = queue.Add(TimeSpan.FromSeconds(1), 1);
        queue.Add(Instant.MaxValue, 2);
        queue.Clear();
        Assert.That(queue.Count, Is.Zero);
        Assert.That(queue.Contains(h), Is.False);
        var log = new Log();
        time.Advance(TimeSpan.FromSeconds(2));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.Empty);
        queue.Add(TimeSpan.Zero, 3);
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 3 }));
    }

    [Test]
    public void ABlockedDispatchWakesWhenFakeTimeReachesTheEarliestTimer()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        queue.Add(TimeSpan.FromMinutes(10), 1);
        var log = new Log();
        int tid = LoopThread.CurrentTid();
        Thread advancer = Waits.Start(() =>
        {
            SpinWait.SpinUntil(() => LoopThread.IsBlockedInWait(tid), TimeSpan.FromSeconds(10));
            time.Advance(TimeSpan.FromMinutes(10));
        });
        Waits.DispatchBlocking(loop, ref log, "the advance woke the loop");
        Waits.Join(advancer, "the advancing thread ended");
        Assert.That(log.Fired, Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public void TrimExcessGivesBackTheSlotsOfABurstAndOldHandlesStayStale()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        var handles = new TimerQueueHandle[50_000];
        for (int i = 0; i < handles.Length; i++)
        {
            handles[i] = queue.Add(TimeSpan.FromSeconds(1 + (i % 100)), i);
        }
        TimerQueueHandle kept = handles[3];
        for (int i = 0; i < handles.Length; i++)
        {
            if (i != 3)
            {
                queue.Cancel(handles[i]);
            }
        }
        long before = GC.GetTotalMemory(forceFullCollection: true);
        queue.TrimExcess();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.That(before - after, Is.GreaterThan(1_000_000), $"{before:N0} B before the trim, {after:N0} B after");
        for (int i = 0; i < 1000; i++)
        {
            TimerQueueHandle fresh = queue.Add(TimeSpan.FromSeconds(1), -1);
            Assert.That(Array.IndexOf(handles, fresh), Is.EqualTo(-1).Or.EqualTo(3), "a new handle never equals an old one");
        }
        Assert.That(queue.Cancel(handles[40_000]), Is.False);
        var log = new Log();
        time.Advance(TimeSpan.FromSeconds(4));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Does.Contain(3), "a live timer survives the trim");
        Assert.That(queue.Contains(kept), Is.False);
    }

    [Test]
    public void TrimExcessIsRefusedInsideTheQueuesOwnCallback()
    {
        var (loop, queue, _, _) = Create();
        using EventLoop<Log> owned = loop;
        queue.Add(TimeSpan.Zero, 1);
        Exception? caught = null;
        var log = new Log
        {
            OnFire = (_, _) =>
            {
                caught = Assert.Catch(queue.TrimExcess);
                return TimeoutAction.Drop;
            },
        };
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(caught, Is.TypeOf<InvalidOperationException>());
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void AddAndCancel(TimerQueue<int> queue, int count)
    {
        // In a method of its own, so that no local keeps the handles alive while the test measures.
        var handles = new TimerQueueHandle[count];
        for (int i = 0; i < handles.Length; i++)
        {
            handles[i] = queue.Add(TimeSpan.FromSeconds(10 + (i % 1000)), i);
        }
        foreach (TimerQueueHandle h in handles)
        {
            queue.Cancel(h);
        }
    }

    [Test]
    public void AnIdleQueueTrimsItselfAfterABurst()
    {
        using var loop = new EventLoop<int>();
        var queue = new TimerQueue<int>();
        loop.Handle.InsertSource(queue, (_, ref _, ref _) => TimeoutAction.Drop);
        long fresh = GC.GetTotalMemory(forceFullCollection: true);
        AddAndCancel(queue, 300_000);
        int n = 0;
        long after = long.MaxValue;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(100), ref n);
            after = GC.GetTotalMemory(forceFullCollection: true);
            if (after - fresh < 2_000_000)
            {
                break;
            }
        }
        Assert.That(after - fresh, Is.LessThan(2_000_000), $"fresh {fresh:N0} B, still {after:N0} B after {clock.Elapsed.TotalSeconds:F1} s of idle dispatches");
    }

    private sealed class Counter
    {
        public long Fired;
    }

    [Test]
    public void AddCancelRescheduleAndFireAllocateNothingAfterWarmUp()
    {
        // Fake time that stands still: every "now" deadline lands in the same wheel bucket, so that the measured passes
        // visit only buckets the warm-up grew (real time would move the wheel onto buckets not yet used).
        var time = new FakeTimeProvider();
        using var loop = new EventLoop<Counter>(new EventLoopOptions { TimeProvider = time });
        var queue = new TimerQueue<long>();
        bool rearm = true;
        loop.Handle.InsertSource(queue, (payload, ref timer, ref c) =>
        {
            c.Fired++;
            if (payload == 0 && rearm)
            {
                rearm = false;
                return TimeoutAction.ToInstant(timer.Deadline);
            }
            return TimeoutAction.Drop;
        });
        var handles = new TimerQueueHandle[64];
        var counter = new Counter();
        long bytes = Alloc.Measure(500, () =>
        {
            Instant now = Instant.Now;
            for (int i = 0; i < handles.Length; i++)
            {
                handles[i] = queue.Add(i < 32 ? now : now + TimeSpan.FromHours(1 + i), i);
            }
            for (int i = 32; i < 48; i++)
            {
                queue.Reschedule(handles[i], now);
            }
            for (int i = 48; i < 64; i++)
            {
                queue.Reschedule(handles[i], TimeSpan.FromDays(1));
                queue.Cancel(handles[i]);
            }
            queue.Cancel(handles[1]);
            rearm = true;
            loop.Dispatch(TimeSpan.Zero, ref counter);
            loop.Dispatch(TimeSpan.Zero, ref counter);
        });
        Assert.That(bytes, Is.Zero);
        Assert.That(counter.Fired, Is.EqualTo(48L * Alloc.LastRuns), "47 timers and one re-armed twice per pass");
        Assert.That(queue.Count, Is.Zero);
    }

    [Test]
    public void AHundredThousandTimersCostNoAllocationOnceTheQueueHasGrown()
    {
        var time = new FakeTimeProvider();
        using var loop = new EventLoop<Counter>(new EventLoopOptions { TimeProvider = time });
        var queue = new TimerQueue<int>();
        loop.Handle.InsertSource(queue, (_, ref _, ref c) =>
        {
            c.Fired++;
            return TimeoutAction.Drop;
        });
        const int N = 100_000;
        var handles = new TimerQueueHandle[N];
        var counter = new Counter();
        long bytes = Alloc.Measure(1, () =>
        {
            // Deadlines spread over the past second (all due, in the order of the deadlines, not of insertion) and over
            // the next hour; half of the future ones moved, then cancelled.
            Instant now = Instant.Now;
            for (int i = 0; i < N; i++)
            {
                long offset = (i * 7919L) % 1_000_000_000;
                handles[i] = queue.Add(i % 2 == 0 ? now - TimeSpan.FromTicks(offset / 100) : now + TimeSpan.FromTicks(offset * 36), i);
            }
            for (int i = 1; i < N; i += 2)
            {
                if (i % 4 == 1)
                {
                    queue.Reschedule(handles[i], now + TimeSpan.FromMinutes(30));
                }
                queue.Cancel(handles[i]);
            }
            loop.Dispatch(TimeSpan.Zero, ref counter);
        });
        Assert.That(bytes, Is.Zero);
        Assert.That(counter.Fired, Is.EqualTo((long)N / 2 * Alloc.LastRuns));
    }

    [Test]
    public void DisposingTheQueueInItsLoopDropsItsTimersAndTheLoopsWakeUp()
    {
        var (loop, queue, time, token) = Create();
        using EventLoop<Log> owned = loop;
        Instant deadline = Instant.Now + TimeSpan.FromSeconds(1);
        TimerQueueHandle handle = queue.Add(deadline, 1);
        var log = new Log();
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(loop.NextTimerDeadline, Is.Not.Null.And.LessThanOrEqualTo(deadline), "the loop wakes for the queue's earliest timer");

        queue.Dispose();
        queue.Dispose();
        Assert.That(loop.NextTimerDeadline, Is.Null, "the wake-up is cancelled with the queue");
        Assert.That(queue.Count, Is.Zero);
        Assert.That(queue.Contains(handle), Is.False);
        var e = Assert.Throws<ObjectDisposedException>(() => queue.Add(deadline, 2));
        Assert.That(e!.Message, Does.Contain("TimerQueue.Add: the TimerQueue was disposed"));

        time.Advance(TimeSpan.FromSeconds(2));
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.Empty);
        loop.Handle.Remove(token);
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void AnUpdatedQueueKeepsItsTimersAndItsWakeUp()
    {
        var (loop, queue, time, token) = Create();
        using EventLoop<Log> owned = loop;
        Instant deadline = Instant.Now + TimeSpan.FromSeconds(1);
        queue.Add(deadline, 1);
        queue.Add(deadline + TimeSpan.FromSeconds(1), 2);
        var log = new Log();
        loop.Dispatch(TimeSpan.Zero, ref log);

        Instant? before = loop.NextTimerDeadline;
        loop.Handle.Update(token);
        Assert.That(loop.NextTimerDeadline, Is.Not.Null.And.EqualTo(before), "re-armed for the same wake-up");
        time.Advance(TimeSpan.FromSeconds(1) - Tick);
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.Empty);
        time.Advance(TimeSpan.FromSeconds(1) + Tick);
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log.Fired, Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void TrimExcessBetweenAThrowAndTheNextDispatchLosesNoTimer()
    {
        var (loop, queue, time, _) = Create();
        using EventLoop<Log> owned = loop;
        for (int i = 1; i <= 100; i++)
        {
            queue.Add(TimeSpan.FromSeconds(1), i);
        }
        bool thrown = false;
        var log = new Log
        {
            OnFire = (payload, _) =>
            {
                if (payload == 50 && !thrown)
                {
                    thrown = true;
                    throw new InvalidOperationException("boom");
                }
                return TimeoutAction.Drop;
            },
        };
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.Zero, ref log));
        queue.TrimExcess(); // the rest of the batch is still due: nothing may be trimmed under it
        loop.Dispatch(TimeSpan.Zero, ref log);
        loop.Dispatch(TimeSpan.Zero, ref log);
        var expected = new List<int>();
        for (int i = 1; i <= 100; i++)
        {
            expected.Add(i);
        }
        expected.Insert(50, 50);
        Assert.That(log.Fired, Is.EqualTo(expected), "the timer that threw is retried, then the rest, once each");
        Assert.That(queue.Count, Is.Zero);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference AddCollectable(TimerQueue<object> queue, TimeSpan after)
    {
        var payload = new object();
        queue.Add(after, payload);
        return new WeakReference(payload);
    }

    [Test]
    public void AFiredOrCancelledTimersPayloadIsNotKeptAlive()
    {
        var time = new FakeTimeProvider();
        using var loop = new EventLoop<int>(new EventLoopOptions { TimeProvider = time });
        var queue = new TimerQueue<object>();
        loop.Handle.InsertSource(queue, (_, ref _, ref n) =>
        {
            n++;
            return TimeoutAction.Drop;
        });
        WeakReference fired = AddCollectable(queue, TimeSpan.FromSeconds(1));
        WeakReference cancelled = AddCollectable(queue, TimeSpan.FromSeconds(5));
        int calls = 0;
        time.Advance(TimeSpan.FromSeconds(2));
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        queue.Clear();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.That(fired.IsAlive, Is.False, "the fired timer's payload was released");
        Assert.That(cancelled.IsAlive, Is.False, "the cleared timer's payload was released");
        GC.KeepAlive(queue);
    }

    [Test]
    public void BeforeItIsInALoopTheQueueIsUsableFromAnyThread()
    {
        var queue = new TimerQueue<int>();
        Instant deadline = Instant.Now + TimeSpan.FromSeconds(10);
        TimerQueueHandle handle = default;
        var worker = new Thread(() =>
        {
            handle = queue.Add(deadline, 1);
            queue.Add(deadline, 2);
        });
        worker.Start();
        Waits.Join(worker, "the other thread added two timers");

        Assert.That(queue.TryGetDeadline(handle, out Instant got), Is.True);
        Assert.That(got, Is.EqualTo(deadline));
        queue.TrimExcess();
        Assert.That(queue.Count, Is.EqualTo(2), "trimming keeps the live timers");
        queue.Clear();
        Assert.That(queue.Count, Is.Zero);
        Assert.That(queue.TryGetDeadline(handle, out _), Is.False, "cleared: the handle is stale");
        queue.Dispose();
    }
}
