using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Async;

[TestFixture(NotifierKind.EventFd)]
[TestFixture(NotifierKind.Pipe)]
public class BlockOnTests(NotifierKind notifier) : NotifierFixture(notifier)
{
    [Test]
    public void BlockOnReturnsTheValue()
    {
        using var loop = new EventLoop<int>();
        int data = 0;
        int loopThread = Environment.CurrentManagedThreadId;
        int result = loop.BlockOn(async () =>
        {
            await Task.Yield();
            await Task.Delay(5);
            Assert.That(Environment.CurrentManagedThreadId, Is.EqualTo(loopThread));
            return 42;
        }, ref data);
        Assert.That(result, Is.EqualTo(42));
        Assert.That(loop.Handle.SourceCount, Is.Zero, "the block-on executor left the loop");
    }

    [Test]
    public void BlockOnEndsWithoutAResultWhenATimerStopsTheLoopFirst()
    {
        using var loop = new EventLoop<LoopSignal>();
        var stopper = (Instant _, ref Unit _, ref LoopSignal signal) =>
        {
            signal.Stop();
            return TimeoutAction.Drop;
        };
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromMilliseconds(20)), new EventCallback<Instant, Unit, LoopSignal, TimeoutAction>(stopper));
        var never = new TaskCompletionSource<int>();
        LoopSignal signal = loop.Signal;
        bool completed = loop.TryBlockOn(() => never.Task, ref signal, out int result);
        Assert.That(completed, Is.False);
        Assert.That(result, Is.Zero);
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromMilliseconds(20)), new EventCallback<Instant, Unit, LoopSignal, TimeoutAction>(stopper));
        Assert.Throws<InvalidOperationException>(() => loop.BlockOn(never.Task, ref signal),
            "BlockOn without Try reports the stop as an exception");
    }

    [Test]
    public void AnExceptionOfTheWorkSurfacesFromBlockOn()
    {
        using var loop = new EventLoop<int>();
        int data = 0;
        var e = Assert.Throws<InvalidDataException>(() => loop.BlockOn<int>(async () =>
        {
            await Task.Yield();
            throw new InvalidDataException("broken");
        }, ref data));
        Assert.That(e!.Message, Is.EqualTo("broken"));
        Assert.That(loop.BlockOn(() => Task.FromResult(1), ref data), Is.EqualTo(1), "the loop stays usable");
    }

    [Test]
    public void BlockOnWaitsForATaskCompletedFromAnotherThread()
    {
        using var loop = new EventLoop<int>();
        int data = 0;
        var tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            await Task.Delay(10);
            tcs.SetResult("done");
        });
        Assert.That(loop.BlockOn(tcs.Task, ref data), Is.EqualTo("done"));
        Assert.That(loop.BlockOn(new ValueTask<string>("now"), ref data), Is.EqualTo("now"));
    }

    [Test]
    public void BlockOnANonGenericTask()
    {
        using var loop = new EventLoop<int>();
        int data = 0;
        bool ran = false;
        loop.BlockOn(async () =>
        {
            await Task.Yield();
            ran = true;
        }, ref data);
        Assert.That(ran, Is.True);
    }

    [Test]
    public void OtherSourcesAreServedWhileBlocking()
    {
        using var loop = new EventLoop<int>();
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref fired) =>
        {
            fired++;
            return TimeoutAction.Drop;
        });
        int fired = 0;
        int seen = loop.BlockOn(async () =>
        {
            await Task.Delay(20);
            return 1;
        }, ref fired);
        Assert.That(seen, Is.EqualTo(1));
        Assert.That(fired, Is.EqualTo(1));
    }

    [Test]
    public void BlockOnFromACallbackIsRejected()
    {
        using var loop = new EventLoop<int>();
        InvalidOperationException? error = null;
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) =>
        {
            int inner = 0;
            try
            {
                loop.BlockOn(() => Task.FromResult(1), ref inner);
            }
            catch (InvalidOperationException e)
            {
                error = e;
            }
            return TimeoutAction.Drop;
        });
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(error, Is.Not.Null);
        Assert.That(error!.Message, Does.Contain("BlockOn"));
        Assert.That(loop.Handle.SourceCount, Is.Zero, "nothing was left behind");
    }

    [Test]
    public void BlockOnEndsWithAClearErrorWhenAnErrorPolicyRemovesItsExecutor()
    {
        using var loop = new EventLoop<int>(new EventLoopOptions { ErrorPolicy = ErrorPolicy.RemoveSource });
        int data = 0;
        var e = Assert.Throws<InvalidOperationException>(() => loop.BlockOn(async () =>
        {
            await Task.Yield();
            SynchronizationContext.Current!.Post(_ => throw new InvalidOperationException("posted work failed"), null);
            await new TaskCompletionSource<int>().Task;
            return 1;
        }, ref data));
        Assert.That(e!.Message, Does.Contain("removed from the loop"));
    }
}
