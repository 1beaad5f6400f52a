using System;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

public class TimerSlackTests
{
    private sealed class Fired
    {
        public int Count;
        public Instant LastAt;
    }

    private static void Insert(EventLoop<Fired> loop, Instant deadline) =>
        loop.Handle.InsertSource(TimerSource.FromDeadline(deadline), (d, ref _, ref f) =>
        {
            f.LastAt = Instant.Now;
            Assert.That(f.LastAt, Is.GreaterThanOrEqualTo(d), "a timer must never fire before its deadline");
            f.Count++;
            return TimeoutAction.Drop;
        });

    [Test]
    public void TimersDueInOneSlackWindowFireInOneWakeUpAtTheWindowsEnd()
    {
        TimeSpan slack = TimeSpan.FromMilliseconds(50);
        long slackNs = 50_000_000;
        using var loop = new EventLoop<Fired>(new EventLoopOptions { TimerSlack = slack });
        // The window (end - 50 ms, end] lies at least 50 ms ahead; both deadlines fall in it, 10 ms apart.
        long end = (Instant.Now.Nanoseconds / slackNs + 2) * slackNs;
        Insert(loop, Instant.FromNanoseconds(end - 30_000_000));
        Insert(loop, Instant.FromNanoseconds(end - 20_000_000));
        var fired = new Fired();

        loop.Dispatch(Waits.Patience, ref fired);

        Assert.That(fired.Count, Is.EqualTo(2), "one wake-up delivers both timers of the window");
        Assert.That(fired.LastAt.Nanoseconds, Is.GreaterThanOrEqualTo(end), "the loop woke at the window's end");
    }

    [Test]
    public void ATimerWhoseSlackWindowHasPassedFiresAtOnce()
    {
        const long HourNs = 3_600_000_000_000;
        using var loop = new EventLoop<Fired>(new EventLoopOptions { TimerSlack = TimeSpan.FromHours(1) });
        // Due just before the last whole hour of the clock: its window ended then, so it must not wait for the next.
        Insert(loop, Instant.FromNanoseconds(Instant.Now.Nanoseconds / HourNs * HourNs - 1));
        var fired = new Fired();
        long started = Environment.TickCount64;

        loop.Dispatch(TimeSpan.FromSeconds(20), ref fired);

        Assert.That(fired.Count, Is.EqualTo(1));
        Assert.That(Environment.TickCount64 - started, Is.LessThan(10_000), "the overdue timer fired without waiting for another window");
    }

    [Test]
    public void ATimerStillFiresWithinItsSlack()
    {
        const long SlackNs = 20_000_000;
        using var loop = new EventLoop<Fired>(new EventLoopOptions { TimerSlack = TimeSpan.FromMilliseconds(20) });
        var fired = new Fired();
        for (int i = 0; i < 5; i++)
        {
            Instant deadline = Instant.Now + TimeSpan.FromMilliseconds(3);
            Insert(loop, deadline);
            long windowEnd = (deadline.Nanoseconds + SlackNs - 1) / SlackNs * SlackNs;
            Waits.DispatchUntil(loop, ref fired, () => fired.Count > i, $"timer {i} fired");
            Assert.That(fired.LastAt.Nanoseconds, Is.GreaterThanOrEqualTo(windowEnd), "not before the end of its slack window");
            // Late only by the machine's scheduling delay: generous, yet far less than a second window.
            Assert.That(fired.LastAt - deadline, Is.LessThan(TimeSpan.FromSeconds(5)));
        }
        Assert.That(fired.Count, Is.EqualTo(5));
    }

    [Test]
    public void ATimerAlreadyDueFiresAtTheEndOfItsWindowNotBefore()
    {
        // With a slack, an immediate timer is batched like any other: it waits for its window to end.
        TimeSpan slack = TimeSpan.FromMilliseconds(40);
        long slackNs = 40_000_000;
        using var loop = new EventLoop<Fired>(new EventLoopOptions { TimerSlack = slack });
        var timer = TimerSource.Immediate();
        // The first multiple of the slack at or after the deadline (the deadline itself, if it is one).
        long windowEnd = (timer.Deadline.Nanoseconds + slackNs - 1) / slackNs * slackNs;
        loop.Handle.InsertSource(timer, (_, ref _, ref f) =>
        {
            f.LastAt = Instant.Now;
            f.Count++;
            return TimeoutAction.Drop;
        });
        var fired = new Fired();

        loop.Dispatch(Waits.Patience, ref fired);

        Assert.That(fired.Count, Is.EqualTo(1));
        Assert.That(fired.LastAt.Nanoseconds, Is.GreaterThanOrEqualTo(windowEnd), "the loop woke at the end of the window");
    }

    [TestCase(-1L)]
    [TestCase(864_000_000_001L)]
    public void ASlackBelowZeroOrAboveADayIsRefused(long ticks)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoop<Fired>(new EventLoopOptions { TimerSlack = TimeSpan.FromTicks(ticks) }));
        Assert.That(e!.ParamName, Is.EqualTo("options.TimerSlack"));
    }
}
