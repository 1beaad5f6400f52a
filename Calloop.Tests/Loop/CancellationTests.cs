using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

/// <summary>A cancellation token stops <c>Run</c> gracefully and abandons <c>BlockOn</c>, waking a blocked loop at once.</summary>
public class CancellationTests
{
    /// <summary>Runs <paramref name="body"/> on a thread of its own (the loop's thread), failing if it outlives the deadline.</summary>
    private static void OnLoopThread(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true };
        thread.Start();
        Assert.That(thread.Join(TimeSpan.FromSeconds(30)), Is.True, "the loop did not return within 30 s: a cancellation did not wake it");
        if (failure is not null)
        {
            throw new AssertionException($"the loop thread failed: {failure}");
        }
    }

    [Test]
    public void CancellingFromAnotherThreadStopsABlockedRun()
    {
        int dispatches = 0;
        OnLoopThread(() =>
        {
            using var loop = new EventLoop<int>();
            using var cts = new CancellationTokenSource();
            var (ping, source) = Ping.Create();
            using var _p = ping;
            loop.Handle.InsertSource(source, (_, ref _, ref _) => { });
            ping.Send();
            int data = 0;
            // After the first dispatch nothing else happens: Run blocks in its wait until the token wakes it.
            loop.Run(null, ref data, (ref _) =>
            {
                if (++dispatches == 1)
                {
                    new Thread(() => cts.Cancel()) { IsBackground = true }.Start();
                }
            }, cts.Token);
        });
        Assert.That(dispatches, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void AnAlreadyCancelledTokenReturnsBeforeAnyDispatch()
    {
        using var loop = new EventLoop<int>();
        int data = 0, dispatches = 0;
        loop.Run(null, ref data, (ref _) => dispatches++, new CancellationToken(canceled: true));
        Assert.That(dispatches, Is.Zero);
    }

    [Test]
    public void ARunStoppedByItsTokenCanRunAgain()
    {
        using var loop = new EventLoop<int>();
        using var cts = new CancellationTokenSource();
        int data = 0, dispatches = 0;
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) => TimeoutAction.ToDuration(TimeSpan.FromMilliseconds(1)));
        loop.Run(TimeSpan.FromSeconds(5), ref data, (ref _) =>
        {
            if (++dispatches == 3)
            {
                cts.Cancel();
            }
        }, cts.Token);
        Assert.That(dispatches, Is.EqualTo(3));
        loop.Run(TimeSpan.FromSeconds(5), ref data, (ref _) =>
        {
            if (++dispatches == 5)
            {
                loop.Signal.Stop();
            }
        });
        Assert.That(dispatches, Is.EqualTo(5));
    }

    [Test]
    public void CancellingBlockOnFromAnotherThreadThrowsAndLeavesTheLoopUsable()
    {
        OnLoopThread(() =>
        {
            using var loop = new EventLoop<int>();
            using var cts = new CancellationTokenSource();
            var never = new TaskCompletionSource<int>();
            int data = 0;
            int before = loop.Handle.SourceCount;
            // Whether it lands before or while the loop waits, the cancellation must end the wait.
            new Thread(() => cts.Cancel()) { IsBackground = true }.Start();
            var e = Assert.Throws<OperationCanceledException>(() => loop.BlockOn(() => never.Task, ref data, cts.Token));
            Assert.That(e!.CancellationToken, Is.EqualTo(cts.Token));
            Assert.That(loop.Handle.SourceCount, Is.EqualTo(before), "the executor left the loop");
            Assert.That(loop.BlockOn(() => Task.FromResult(42), ref data), Is.EqualTo(42));
        });
    }

    [Test]
    public void TryBlockOnWithACancelledTokenThrowsRatherThanReportingAStop()
    {
        using var loop = new EventLoop<int>();
        int data = 0;
        var never = new TaskCompletionSource<int>();
        Assert.Throws<OperationCanceledException>(() => loop.TryBlockOn(() => never.Task, ref data, out _, new CancellationToken(canceled: true)));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void WorkThatCompletesBeforeTheTokenFiresReturnsItsResult()
    {
        using var loop = new EventLoop<int>();
        using var cts = new CancellationTokenSource();
        int data = 0;
        Assert.That(loop.BlockOn(async () =>
        {
            await Task.Yield();
            return 7;
        }, ref data, cts.Token), Is.EqualTo(7));
    }

    [Test]
    public void RunWithoutATokenAllocatesNothing()
    {
        using var loop = new EventLoop<int>();
        var (ping, source) = Ping.Create();
        using var _p = ping;
        loop.Handle.InsertSource(source, (_, ref _, ref _) => ping.Send());
        LoopSignal signal = loop.Signal;
        int count = 0;
        RunCallback<int> after = (ref _) =>
        {
            if (++count % 100 == 0)
            {
                signal.Stop();
            }
        };
        int data = 0;
        ping.Send();
        loop.Run(TimeSpan.Zero, ref data, after);
        long before = GC.GetAllocatedBytesForCurrentThread();
        loop.Run(TimeSpan.Zero, ref data, after);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
