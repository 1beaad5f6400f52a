using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Calloop.Tests.Async;

public class DelayTests
{
    [Test]
    public void DelayNeverCompletesEarlyAndResumesOnTheLoopThread()
    {
        using var loop = new EventLoop<int>();
        int loopThread = Environment.CurrentManagedThreadId;
        int data = 0;
        var delay = TimeSpan.FromMilliseconds(30);
        (Instant start, Instant end, int thread) = loop.BlockOn(async () =>
        {
            Instant before = Instant.Now;
            await loop.Handle.Delay(delay);
            return (before, Instant.Now, Environment.CurrentManagedThreadId);
        }, ref data);
        Assert.That(end - start, Is.GreaterThanOrEqualTo(delay));
        Assert.That(end - start, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(thread, Is.EqualTo(loopThread));
        Assert.That(loop.Handle.SourceCount, Is.Zero, "the timer dropped itself");
    }

    [Test]
    public void CancelingADelayOnTheLoopThreadRemovesItsTimer()
    {
        using var loop = new EventLoop<int>();
        int data = 0;
        using var cts = new CancellationTokenSource();
        Task delay = loop.Handle.Delay(TimeSpan.FromHours(1), cts.Token);
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
        cts.Cancel();
        Assert.That(delay.IsCanceled, Is.True);
        Assert.That(loop.Handle.SourceCount, Is.Zero);
        Assert.That(() => loop.BlockOn(delay, ref data), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void CancelingADelayFromAnotherThreadEndsTheAwait()
    {
        using var loop = new EventLoop<int>();
        int data = 0;
        using var cts = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        bool canceled = loop.BlockOn(async () =>
        {
            _ = Task.Run(async () =>
            {
                await Task.Delay(10);
                cts.Cancel();
            });
            try
            {
                await loop.Handle.Delay(TimeSpan.FromSeconds(30), cts.Token);
                return false;
            }
            catch (OperationCanceledException)
            {
                return true;
            }
        }, ref data);
        Assert.That(canceled, Is.True);
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public void ADelayCancelledFromAnotherThreadLeavesTheLoopAtOnce()
    {
        using var loop = new EventLoop<int>();
        using var cts = new CancellationTokenSource();
        int data = 0;
        Task delay = loop.BlockOn(() => Task.FromResult(loop.Handle.Delay(TimeSpan.FromHours(1), cts.Token)), ref data);
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1), "the delay's timer");
        var thread = new Thread(() => cts.Cancel());
        thread.Start();
        thread.Join();
        // The cancellation woke the loop: this dispatch returns at once and removes the hour-long timer.
        loop.Dispatch(TimeSpan.FromSeconds(30), ref data);
        Assert.That(loop.Handle.SourceCount, Is.Zero);
        Assert.That(loop.NextTimerDeadline, Is.Null);
        Assert.That(delay.IsCanceled, Is.True);
    }

    [Test]
    public void NegativeDelaysAreRejected()
    {
        using var loop = new EventLoop<int>();
        Assert.Throws<ArgumentOutOfRangeException>(() => loop.Handle.Delay(TimeSpan.FromMilliseconds(-5)));
    }
}
