using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace Calloop.Tests.Timers;

public class FakeTimeTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Test]
    public void AdvancingFiresDueTimersAtTheNextDispatchInDeadlineOrderAndNeverEarly()
    {
        var time = new FakeTimeProvider();
        using var loop = new EventLoop<List<string>>(new EventLoopOptions { TimeProvider = time });
        foreach (int seconds in new[] { 30, 10, 20 })
        {
            loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromSeconds(seconds)), (_, ref _, ref fired) =>
            {
                fired.Add($"{seconds} s");
                return TimeoutAction.Drop;
            });
        }
        var fired = new List<string>();
        var watch = Stopwatch.StartNew();

        time.Advance(TimeSpan.FromSeconds(10) - Tick);
        loop.Dispatch(TimeSpan.Zero, ref fired);
        Assert.That(fired, Is.Empty, "one tick before its deadline, a timer has not fired");

        time.Advance(Tick);
        loop.Dispatch(TimeSpan.Zero, ref fired);
        Assert.That(fired, Is.EqualTo(new[] { "10 s" }));

        time.Advance(TimeSpan.FromMinutes(1));
        loop.Dispatch(TimeSpan.Zero, ref fired);
        Assert.That(fired, Is.EqualTo(new[] { "10 s", "20 s", "30 s" }));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "a minute of fake time took no real minute");
    }

    [Test]
    public void ATimerThatReArmsByDurationFollowsTheProvider()
    {
        var time = new FakeTimeProvider();
        using var loop = new EventLoop<List<Instant>>(new EventLoopOptions { TimeProvider = time });
        Instant start = Instant.Now;
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromSeconds(1)), (deadline, ref _, ref seen) =>
        {
            seen.Add(deadline);
            return TimeoutAction.ToDuration(TimeSpan.FromSeconds(1));
        });
        var seen = new List<Instant>();
        for (int i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            loop.Dispatch(TimeSpan.Zero, ref seen);
        }
        Assert.That(seen, Is.EqualTo(new[] { start + TimeSpan.FromSeconds(1), start + TimeSpan.FromSeconds(2), start + TimeSpan.FromSeconds(3) }));
        Assert.That(Instant.Now - start, Is.EqualTo(TimeSpan.FromSeconds(3)), "Instant.Now follows the provider on the loop's thread");
    }

    [Test]
    public void AnAdvanceFromAnotherThreadWakesABlockedDispatch()
    {
        var time = new FakeTimeProvider();
        using var loop = new EventLoop<int>(new EventLoopOptions { TimeProvider = time });
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref n) =>
        {
            n++;
            return TimeoutAction.Drop;
        });
        int fired = 0;
        Task advance = Task.Run(() => time.Advance(TimeSpan.FromHours(1)));
        // Whether the advance comes before the wait or during it, the wait ends: a real bound only guards the test.
        var watch = Stopwatch.StartNew();
        while (fired == 0 && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            loop.Dispatch(TimeSpan.FromSeconds(10), ref fired);
        }
        advance.Wait(TimeSpan.FromSeconds(10));
        Assert.That(fired, Is.EqualTo(1));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public void DelayFollowsTheLoopsProviderAndIsNeverEarly()
    {
        var time = new FakeTimeProvider();
        using var loop = new EventLoop<int>(new EventLoopOptions { TimeProvider = time });
        Task delay = loop.Handle.Delay(TimeSpan.FromSeconds(5));
        int data = 0;
        time.Advance(TimeSpan.FromSeconds(5) - Tick);
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(delay.IsCompleted, Is.False);
        time.Advance(Tick);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        loop.BlockOn(delay, ref data, bound.Token);
        Assert.That(delay.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public void TheSystemProviderAndDisposalLeaveInstantNowOnTheMonotonicClock()
    {
        var time = new FakeTimeProvider();
        using (new EventLoop<int>(new EventLoopOptions { TimeProvider = time }))
        {
            time.Advance(TimeSpan.FromDays(1));
            Assert.That(Instant.Now.Nanoseconds - Instant.MonotonicNanoseconds(), Is.GreaterThan(TimeSpan.FromHours(23).Ticks * 100));
        }
        AssertMonotonic("after the loop with a provider is disposed");

        var other = new EventLoop<int>(new EventLoopOptions { TimeProvider = time });
        using (new EventLoop<int>(new EventLoopOptions { TimeProvider = TimeProvider.System }))
        {
            AssertMonotonic("TimeProvider.System is the monotonic clock");
        }
        other.Dispose();
        using (new EventLoop<int>())
        {
            AssertMonotonic("the default");
        }
    }

    private static void AssertMonotonic(string because)
    {
        long before = Instant.MonotonicNanoseconds();
        long now = Instant.Now.Nanoseconds;
        long after = Instant.MonotonicNanoseconds();
        Assert.That(now, Is.InRange(before, after), because);
    }
}
