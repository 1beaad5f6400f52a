using System;
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

        loop.Dispatch(null, ref fired);

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
        using var loop = new EventLoop<Fired>(new EventLoopOptions { TimerSlack = TimeSpan.FromMilliseconds(20) });
        var fired = new Fired();
        for (int i = 0; i < 5; i++)
        {
            Insert(loop, Instant.Now + TimeSpan.FromMilliseconds(3));
            while (fired.Count == i)
            {
                loop.Dispatch(null, ref fired);
            }
        }
        Assert.That(fired.Count, Is.EqualTo(5));
    }

    [Test]
    public void NegativeSlackIsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoop<Fired>(new EventLoopOptions { TimerSlack = TimeSpan.FromTicks(-1) }));
        Assert.That(e!.ParamName, Is.EqualTo("options.TimerSlack"));
    }
}
