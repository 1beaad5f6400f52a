using System;
using System.Diagnostics;
using System.Threading;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

public class NestedLoopTests
{
    private sealed class Inner
    {
        public int Pings;
        public int Timers;
        public int Idles;
        public int Messages;
    }

    private sealed class Outer
    {
        public int InnerDispatches;
    }

    private static (EventLoop<Outer> Outer, NestedLoopSource<Inner> Nested) Nest(EventLoop<Inner> inner)
    {
        var outer = new EventLoop<Outer>();
        var nested = new NestedLoopSource<Inner>(inner, new Inner());
        outer.Handle.InsertSource(nested, (_, ref _, ref o) => o.InnerDispatches++);
        return (outer, nested);
    }

    private static void DispatchUntil(EventLoop<Outer> outer, Func<bool> done)
    {
        var o = new Outer();
        Waits.DispatchUntil(outer, ref o, done, "the outer loop saw the inner loop's work done");
    }

    [Test]
    public void AnInnerPingWakesTheOuterLoopAndRunsTheInnerCallback()
    {
        var inner = new EventLoop<Inner>();
        var (ping, pingSource) = Ping.Create();
        using var _ = ping;
        inner.Handle.InsertSource(pingSource, (_, ref _, ref d) => d.Pings++);
        var (outer, nested) = Nest(inner);
        using (outer)
        {
            Assert.That(inner.PollFd, Is.GreaterThan(0));
            var o = new Outer();
            outer.Dispatch(TimeSpan.Zero, ref o);
            Assert.That(nested.Data.Pings, Is.Zero, "nothing happened yet");
            ping.Send();
            outer.Dispatch(TimeSpan.FromSeconds(30), ref o);
            Assert.That(nested.Data.Pings, Is.EqualTo(1));
            Assert.That(o.InnerDispatches, Is.EqualTo(1), "the outer callback sees each inner dispatch");
        }
    }

    [Test]
    public void AnInnerTimerWakesABlockingOuterDispatchAndNeverFiresEarly()
    {
        var inner = new EventLoop<Inner>();
        Instant deadline = Instant.Now + TimeSpan.FromMilliseconds(50);
        Instant firedAt = default;
        inner.Handle.InsertSource(TimerSource.FromDeadline(deadline), (_, ref _, ref d) =>
        {
            firedAt = Instant.Now;
            d.Timers++;
            return TimeoutAction.Drop;
        });
        var (outer, nested) = Nest(inner);
        using (outer)
        {
            DispatchUntil(outer, () => nested.Data.Timers == 1);
            Assert.That(firedAt, Is.GreaterThanOrEqualTo(deadline));
            Assert.That(inner.NextTimerDeadline, Is.Null);
        }
    }

    [Test]
    public void InnerIdleCallbacksRunWithoutTheOuterLoopWaiting()
    {
        var inner = new EventLoop<Inner>();
        inner.Handle.InsertIdle((ref d) => d.Idles++);
        var (outer, nested) = Nest(inner);
        using (outer)
        {
            var o = new Outer();
            var watch = Stopwatch.StartNew();
            outer.Dispatch(TimeSpan.FromSeconds(30), ref o);
            Assert.That(nested.Data.Idles, Is.EqualTo(1));
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        }
    }

    [Test]
    public void MessagesFromAnotherThreadReachTheInnerLoop()
    {
        var inner = new EventLoop<Inner>();
        var (sender, source) = Channel.Create<int>();
        inner.Handle.InsertSource(source, (evt, ref _, ref d) =>
        {
            if (!evt.IsClosed)
            {
                d.Messages++;
            }
        });
        var (outer, nested) = Nest(inner);
        using (outer)
        {
            var thread = new Thread(() =>
            {
                for (int i = 0; i < 1000; i++)
                {
                    sender.Send(i);
                }
                sender.Dispose();
            });
            thread.Start();
            DispatchUntil(outer, () => inner.Handle.SourceCount == 0);
            thread.Join();
            Assert.That(nested.Data.Messages, Is.EqualTo(1000));
        }
    }

    [Test]
    public void RemovingTheNestedSourceDisposesTheInnerLoop()
    {
        var inner = new EventLoop<Inner>();
        using var outer = new EventLoop<Outer>();
        RegistrationToken token = outer.Handle.InsertSource(new NestedLoopSource<Inner>(inner, new Inner()), (_, ref _, ref _) => { });
        outer.Handle.Remove(token);
        var d = new Inner();
        Assert.Throws<ObjectDisposedException>(() => inner.Dispatch(TimeSpan.Zero, ref d));
    }

    [Test]
    public void DispatchingThroughANestedLoopAllocatesNothing()
    {
        var inner = new EventLoop<Inner>();
        var (ping, pingSource) = Ping.Create();
        using var _ = ping;
        inner.Handle.InsertSource(pingSource, (_, ref _, ref d) => d.Pings++);
        inner.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        var (outer, nested) = Nest(inner);
        using (outer)
        {
            var o = new Outer();
            long bytes = Alloc.Measure(2000, () =>
            {
                ping.Send();
                outer.Dispatch(TimeSpan.Zero, ref o);
            });
            Assert.That(bytes, Is.Zero);
            Assert.That(nested.Data.Pings, Is.EqualTo(Alloc.LastRuns));
        }
    }

    [Test]
    public void NestedLoopsLeakNoDescriptors()
    {
        int before = Fds.OpenCountBefore();
        for (int i = 0; i < 10; i++)
        {
            var inner = new EventLoop<Inner>();
            inner.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromSeconds(5)), (_, ref _, ref _) => TimeoutAction.Drop);
            var (outer, _) = Nest(inner);
            using (outer)
            {
                var o = new Outer();
                outer.Dispatch(TimeSpan.Zero, ref o);
            }
        }
        Assert.That(Fds.OpenCount(), Is.EqualTo(before));
    }

    [Test]
    public void AnUpdatedNestedSourceStillWakesForInnerTimersAndPings()
    {
        var inner = new EventLoop<Inner>();
        var (ping, pingSource) = Ping.Create();
        using var _ = ping;
        inner.Handle.InsertSource(pingSource, (_, ref _, ref d) => d.Pings++);
        Instant deadline = Instant.Now + TimeSpan.FromMilliseconds(50);
        Instant firedAt = default;
        inner.Handle.InsertSource(TimerSource.FromDeadline(deadline), (_, ref _, ref d) =>
        {
            firedAt = Instant.Now;
            d.Timers++;
            return TimeoutAction.Drop;
        });
        using var outer = new EventLoop<Outer>();
        var nested = new NestedLoopSource<Inner>(inner, new Inner());
        Assert.That(nested.Loop, Is.SameAs(inner));
        RegistrationToken token = outer.Handle.InsertSource(nested, (_, ref _, ref o) => o.InnerDispatches++);
        var o = new Outer();
        outer.Dispatch(TimeSpan.Zero, ref o); // the outer loop now holds a timer for the inner one

        outer.Handle.Update(token);
        DispatchUntil(outer, () => nested.Data.Timers == 1);
        Assert.That(firedAt, Is.GreaterThanOrEqualTo(deadline), "the inner timer, rescheduled under the new token, never fires early");

        ping.Send();
        DispatchUntil(outer, () => nested.Data.Pings == 1);
        Assert.That(nested.Data.Timers, Is.EqualTo(1));
    }

    [Test]
    public void UpdatingADisposedNestedSourceIsRefused()
    {
        using var outer = new EventLoop<Outer>();
        var nested = new NestedLoopSource<Inner>(new EventLoop<Inner>(), new Inner());
        RegistrationToken token = outer.Handle.InsertSource(nested, (_, ref _, ref _) => { });
        nested.Dispose();
        Assert.Throws<ObjectDisposedException>(() => outer.Handle.Update(token));
        nested.Dispose();
    }
}
