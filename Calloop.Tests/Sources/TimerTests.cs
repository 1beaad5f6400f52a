using System;
using System.Collections.Generic;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

public class TimerTests
{
    private sealed class Log
    {
        public int A;
        public int B;
    }

    private sealed class Fired
    {
        public int Count;
        public Instant At;
        public readonly List<int> Order = [];
    }

    private static RegistrationToken Insert(EventLoop<Fired> loop, TimerSource timer) =>
        loop.Handle.InsertSource(timer, (deadline, ref _, ref f) =>
        {
            f.At = Instant.Now;
            Assert.That(f.At, Is.GreaterThanOrEqualTo(deadline), "a timer must never fire before its deadline");
            f.Count++;
            return TimeoutAction.Drop;
        });

    [Test]
    public void SimpleTimer()
    {
        using var loop = new EventLoop<Fired>();
        Insert(loop, TimerSource.FromDuration(TimeSpan.FromMilliseconds(100)));
        var fired = new Fired();
        loop.Dispatch(TimeSpan.Zero, ref fired);
        Assert.That(fired.Count, Is.Zero);
        loop.Dispatch(TimeSpan.FromSeconds(10), ref fired);
        Assert.That(fired.Count, Is.EqualTo(1));
        Assert.That(loop.Handle.SourceCount, Is.Zero, "TimeoutAction.Drop removes the timer");
    }

    [Test]
    public void ImmediateTimerFiresOnAZeroTimeoutDispatch()
    {
        using var loop = new EventLoop<Fired>();
        Insert(loop, TimerSource.Immediate());
        var fired = new Fired();
        loop.Dispatch(TimeSpan.Zero, ref fired);
        Assert.That(fired.Count, Is.EqualTo(1));
    }

    [Test]
    public void DispatchWithNoTimeoutWaitsForTheTimer()
    {
        using var loop = new EventLoop<Fired>();
        var timer = TimerSource.FromDuration(TimeSpan.FromMilliseconds(30));
        Instant deadline = timer.Deadline;
        Insert(loop, timer);
        var fired = new Fired();
        Waits.DispatchBlocking(loop, ref fired, "the timer ended the wait");
        Assert.That(fired.Count, Is.EqualTo(1));
        Assert.That(fired.At, Is.GreaterThanOrEqualTo(deadline));
    }

    [Test]
    public void HighPrecision()
    {
        using var loop = new EventLoop<Fired>();
        var timer = TimerSource.FromDuration(TimeSpan.FromMilliseconds(100));
        Instant deadline = timer.Deadline;
        Insert(loop, timer);
        var fired = new Fired();
        loop.Dispatch(TimeSpan.Zero, ref fired);
        loop.Dispatch(TimeSpan.FromMicroseconds(10_200), ref fired);
        // On a loaded machine the 10 ms wait may end after the deadline; what must never happen is an early fire.
        Assert.That(fired.Count == 0 || fired.At >= deadline, Is.True, "not fired 10 ms into a 100 ms timer");
        for (int i = 0; i < 100 && fired.Count == 0; i++)
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(100), ref fired);
        }
        Assert.That(fired.Count, Is.EqualTo(1));
    }

    [Test]
    public void WaitsAreSubMillisecondPrecise()
    {
        // A deadline 1.5 ms away must not be woken for at 1 ms (never early) nor rounded to 2 ms by the wait.
        using var loop = new EventLoop<Fired>();
        var fired = new Fired();
        for (int i = 0; i < 20; i++)
        {
            var timer = TimerSource.FromDuration(TimeSpan.FromMicroseconds(1500));
            Instant deadline = timer.Deadline;
            Insert(loop, timer);
            Waits.DispatchUntil(loop, ref fired, () => fired.Count > i, $"timer {i} fired");
            Assert.That(fired.At, Is.GreaterThanOrEqualTo(deadline));
        }
    }

    [Test]
    public void CancelledTimerNeverFires()
    {
        using var loop = new EventLoop<Fired>();
        RegistrationToken token = Insert(loop, TimerSource.FromDuration(TimeSpan.FromMilliseconds(300)));
        var fired = new Fired();
        loop.Dispatch(TimeSpan.Zero, ref fired);
        loop.Handle.Remove(token);
        loop.Dispatch(TimeSpan.FromMilliseconds(400), ref fired);
        Assert.That(fired.Count, Is.Zero);
    }

    [Test]
    public void RepeatingTimerWithToDuration()
    {
        using var loop = new EventLoop<Fired>();
        Instant last = Instant.Now;
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromMilliseconds(20)), (deadline, ref _, ref f) =>
        {
            Assert.That(Instant.Now, Is.GreaterThanOrEqualTo(deadline));
            Assert.That(deadline - last, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(20)));
            last = deadline;
            f.Count++;
            return f.Count < 3 ? TimeoutAction.ToDuration(TimeSpan.FromMilliseconds(20)) : TimeoutAction.Drop;
        });
        var fired = new Fired();
        Waits.DispatchUntilEmpty(loop, ref fired, "the repeating timer dropped itself");
        Assert.That(fired.Count, Is.EqualTo(3));
    }

    [Test]
    public void RepeatingTimerWithToInstant()
    {
        using var loop = new EventLoop<Fired>();
        loop.Handle.InsertSource(TimerSource.Immediate(), (deadline, ref _, ref f) =>
        {
            f.Count++;
            return f.Count < 5 ? TimeoutAction.ToInstant(deadline + TimeSpan.FromMilliseconds(1)) : TimeoutAction.Drop;
        });
        var fired = new Fired();
        Waits.DispatchUntilEmpty(loop, ref fired, "the repeating timer dropped itself");
        Assert.That(fired.Count, Is.EqualTo(5));
    }

    [Test]
    public void HugeDurationsNeverFireAndNeverThrow()
    {
        using var loop = new EventLoop<Fired>();
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.MaxValue), (_, ref _, ref _) => throw new AssertionException("a never-timer fired"));
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromDays(365 * 100)), (_, ref _, ref _) => throw new AssertionException("a 100-year timer fired"));
        Insert(loop, TimerSource.FromDuration(TimeSpan.FromMilliseconds(20)));
        var fired = new Fired();
        Waits.DispatchBlocking(loop, ref fired, "the 20 ms timer ended the wait");
        loop.Dispatch(TimeSpan.FromMilliseconds(30), ref fired);
        Assert.That(fired.Count, Is.EqualTo(1));
        Assert.That(TimerSource.FromDuration(TimeSpan.MaxValue).Deadline, Is.EqualTo(Instant.MaxValue));
    }

    [TestCase(0)]
    [TestCase(3)]
    public void ADeadlineLongBeforeTheClocksOriginFiresAtOnce(int slackMs)
    {
        // Instant.FromNanoseconds takes any value; the earliest one is still just a deadline in the past, which must
        // not turn into a wait that never ends (with or without timer slack).
        using var loop = new EventLoop<Fired>(new EventLoopOptions { TimerSlack = TimeSpan.FromMilliseconds(slackMs) });
        Insert(loop, TimerSource.FromDeadline(Instant.FromNanoseconds(long.MinValue)));
        Insert(loop, TimerSource.FromDeadline(Instant.FromNanoseconds(-1)));
        var fired = new Fired();
        Waits.DispatchBlocking(loop, ref fired, "timers due long ago ended the wait");
        Assert.That(fired.Count, Is.EqualTo(2));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void ExpiredTimersFireInDeadlineOrderAndTiesInInsertionOrder()
    {
        using var loop = new EventLoop<Fired>();
        Instant now = Instant.Now;
        int[] offsetsUs = [500, 100, 300, 100, 100, 0, 300];
        for (int i = 0; i < offsetsUs.Length; i++)
        {
            int id = i;
            loop.Handle.InsertSource(TimerSource.FromDeadline(now + TimeSpan.FromMicroseconds(offsetsUs[i])), (_, ref _, ref f) =>
            {
                f.Order.Add(id);
                return TimeoutAction.Drop;
            });
        }
        var fired = new Fired();
        // Wait until all are due, then dispatch them in one batch.
        while (Instant.Now < now + TimeSpan.FromMicroseconds(600))
        {
        }
        loop.Dispatch(TimeSpan.Zero, ref fired);
        Assert.That(fired.Order, Is.EqualTo(new[] { 5, 1, 3, 4, 2, 6, 0 }));
    }

    [Test]
    public void UpdateReschedulesAnInsertedTimer()
    {
        using var loop = new EventLoop<Fired>();
        var timer = TimerSource.FromDuration(TimeSpan.FromHours(1));
        RegistrationToken token = Insert(loop, timer);
        timer.SetDuration(TimeSpan.Zero);
        loop.Handle.Update(token);
        var fired = new Fired();
        loop.Dispatch(TimeSpan.FromSeconds(10), ref fired);
        Assert.That(fired.Count, Is.EqualTo(1));
    }

    [Test]
    public void ATimerRescheduledLaterWithinTheDispatchThatExpiredItDoesNotFireEarly()
    {
        using var loop = new EventLoop<Log>();
        LoopHandle<Log> handle = loop.Handle;
        Instant due = Instant.Now + TimeSpan.FromMilliseconds(5);
        var b = TimerSource.FromDeadline(due);
        RegistrationToken tb = default;
        handle.InsertSource(TimerSource.FromDeadline(due), (_, ref _, ref log) =>
        {
            log.A++;
            b.SetDeadline(Instant.Now + TimeSpan.FromHours(1));
            handle.Update(tb);
            return TimeoutAction.Drop;
        });
        tb = handle.InsertSource(b, (_, ref _, ref log) =>
        {
            log.B++;
            return TimeoutAction.Drop;
        });
        var data = new Log();
        Waits.DispatchUntil(loop, ref data, () => data.A > 0, "the first timer fired");
        loop.Dispatch(TimeSpan.FromMilliseconds(20), ref data);
        Assert.That(data.B, Is.Zero, "rescheduled an hour ahead: it must not fire from the stale expiry");
        Assert.That(handle.SourceCount, Is.EqualTo(1));
    }

    [Test]
    public void ATimerRescheduledToAnotherPastTimeWithinTheDispatchFiresOnce()
    {
        using var loop = new EventLoop<Log>();
        LoopHandle<Log> handle = loop.Handle;
        Instant due = Instant.Now + TimeSpan.FromMilliseconds(5);
        var b = TimerSource.FromDeadline(due);
        RegistrationToken tb = default;
        handle.InsertSource(TimerSource.FromDeadline(due), (_, ref _, ref log) =>
        {
            log.A++;
            b.SetDeadline(Instant.Now);
            handle.Update(tb);
            return TimeoutAction.Drop;
        });
        tb = handle.InsertSource(b, (_, ref _, ref log) =>
        {
            log.B++;
            return TimeoutAction.ToDuration(TimeSpan.FromHours(1));
        });
        var data = new Log();
        Waits.DispatchUntil(loop, ref data, () => data.A > 0, "the first timer fired");
        for (int i = 0; i < 5; i++)
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(2), ref data);
        }
        Assert.That(data.B, Is.EqualTo(1), "one reschedule, one fire: no orphaned wheel entry fires it again");
    }

    [Test]
    public void ADueTimerFiresEvenWhenTheExpiryCounterHasWrappedToItsValue()
    {
        using var loop = new EventLoop<Log>();
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromMilliseconds(2)), (_, ref _, ref log) =>
        {
            log.A++;
            return TimeoutAction.Drop;
        });
        // As if 2^32 - 1 expiries had run since the timer was scheduled: the next one brings the counter back to the
        // value the timer recorded, which alone would make its (genuine) expiry look stale.
        TimerWheelExpiry.GenerationOf(loop.Handle.Registry.Poll.Timers)--;
        var log = new Log();
        for (int i = 0; i < 100 && log.A == 0; i++)
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(50), ref log);
        }
        Assert.That(log.A, Is.EqualTo(1), "the timer fired");
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void AStaleExpiryLeftInTheBatchByAThrowingCallbackIsNotDelivered()
    {
        using var loop = new EventLoop<Log>();
        LoopHandle<Log> handle = loop.Handle;
        Instant due = Instant.Now + TimeSpan.FromMilliseconds(3);
        var b = TimerSource.FromDeadline(due);
        RegistrationToken tb = default;
        handle.InsertSource(TimerSource.FromDeadline(due), (_, ref _, ref log) =>
        {
            if (++log.A > 1)
            {
                // A timer whose callback threw stays scheduled and fires again: this time it is done.
                return TimeoutAction.Drop;
            }
            // Reschedules b an hour away (Disable + Enable re-registers it), then throws: b's expiry, taken in the same
            // wait, stays in the batch and is delivered by the next Dispatch, without a new wait.
            b.SetDeadline(Instant.Now + TimeSpan.FromHours(1));
            handle.Disable(tb);
            handle.Enable(tb);
            throw new InvalidOperationException("boom");
        });
        tb = handle.InsertSource(b, (_, ref _, ref log) =>
        {
            log.B++;
            return TimeoutAction.Drop;
        });
        var data = new Log();
        var thrown = Assert.Throws<InvalidOperationException>(() => Waits.DispatchUntil(loop, ref data, () => data.A > 0, "the first timer fired"));
        Assert.That(thrown!.Message, Is.EqualTo("boom"));
        loop.Dispatch(TimeSpan.Zero, ref data);
        loop.Dispatch(TimeSpan.FromMilliseconds(10), ref data);
        Assert.That(data.B, Is.Zero, "b was rescheduled an hour away; its earlier expiry is stale");
        Assert.That(loop.NextTimerDeadline, Is.Not.Null, "b is still scheduled");
    }

    [Test]
    public void ATimerWhoseCallbackThrowsStaysScheduled()
    {
        using var loop = new EventLoop<Log>();
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromMilliseconds(5)), (_, ref _, ref r) =>
        {
            if (++r.A == 1)
            {
                throw new InvalidOperationException("first fire");
            }
            return TimeoutAction.Drop;
        });
        var received = new Log();
        var thrown = Assert.Throws<InvalidOperationException>(() => Waits.DispatchUntil(loop, ref received, () => false, "the timer's callback threw"));
        Assert.That(thrown!.Message, Is.EqualTo("first fire"));
        Assert.That(loop.NextTimerDeadline, Is.Not.Null, "still in the wheel after its callback threw");
        for (int i = 0; i < 10 && received.A < 2; i++)
        {
            loop.Dispatch(TimeSpan.FromSeconds(5), ref received);
        }
        Assert.That(received.A, Is.EqualTo(2));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }
}
