using System;
using System.Threading;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

[TestFixture(NotifierKind.EventFd)]
[TestFixture(NotifierKind.Pipe)]
public class SignalTests(NotifierKind notifier) : NotifierFixture(notifier)
{
    [Test]
    public void WakeupFromAnotherThreadEndsABlockingDispatch()
    {
        using var loop = new EventLoop<int>();
        LoopSignal signal = loop.Signal;
        int tid = LoopThread.CurrentTid();
        bool sawItBlocked = false;
        Thread thread = Waits.Start(() =>
        {
            sawItBlocked = SpinWait.SpinUntil(() => LoopThread.IsBlockedInWait(tid), TimeSpan.FromSeconds(10));
            signal.Wakeup();
        });
        int data = 0;
        // The wake-up under test is the watchdog's own mechanism too, so bound this wait by a timeout instead.
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        loop.Dispatch(Waits.Patience, ref data);
        TimeSpan blocked = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Waits.Join(thread, "the waking thread ended");
        Assert.That(sawItBlocked, Is.True, "the wake-up came while the loop was blocked in its wait");
        Assert.That(blocked, Is.LessThan(Waits.Patience / 2), "the wake-up ended the wait");
    }

    [Test]
    public void StopAndWakeupFromAnotherThreadEndRun()
    {
        using var loop = new EventLoop<int>();
        LoopSignal signal = loop.Signal;
        using var running = new ManualResetEventSlim();
        // The first dispatch of Run fires this timer; only then does the other thread stop the loop, which by
        // then is blocked in a wait with no timeout.
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) =>
        {
            running.Set();
            return TimeoutAction.Drop;
        });
        var thread = new Thread(() =>
        {
            running.Wait();
            signal.Stop();
            signal.Wakeup();
        });
        thread.Start();
        int dispatches = 0;
        loop.Run(null, ref dispatches, (ref n) => n++);
        thread.Join();
        Assert.That(dispatches, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void StopFromACallbackEndsRunAfterThatDispatch()
    {
        using var loop = new EventLoop<LoopSignal>();
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref signal) =>
        {
            signal.Stop();
            return TimeoutAction.Drop;
        });
        LoopSignal data = loop.Signal;
        loop.Run(TimeSpan.FromSeconds(30), ref data);
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void RunClearsAStopRequestedBeforeIt()
    {
        using var loop = new EventLoop<LoopSignal>();
        LoopSignal signal = loop.Signal;
        signal.Stop();
        int dispatches = 0;
        loop.Run(TimeSpan.Zero, ref signal, (ref s) =>
        {
            if (++dispatches == 3)
            {
                s.Stop();
            }
        });
        Assert.That(dispatches, Is.EqualTo(3));
    }

    [Test]
    public void ManyWakeupsCoalesceIntoOneEventfdWrite()
    {
        using var waker = new Waker();
        for (int i = 0; i < 100; i++)
        {
            waker.Wake();
        }
        Assert.That(waker.Notifier.Take("test"), Is.EqualTo(1), "100 wake-ups before the loop drained must cost one write");

        // Until the loop drains, further wake-ups write nothing; after it, the next one writes again.
        waker.Wake();
        Assert.That(waker.Notifier.Take("test"), Is.Zero);
        waker.Drain();
        waker.Wake();
        Assert.That(waker.Notifier.Take("test"), Is.EqualTo(1));
    }
}
