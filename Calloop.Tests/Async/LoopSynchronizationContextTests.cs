using System;
using System.Threading;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Async;

/// <summary><see cref="LoopSynchronizationContext.Send"/> and <see cref="LoopSynchronizationContext.Post"/> from the loop thread, other threads, and around the source's life.</summary>
public class LoopSynchronizationContextTests
{
    [Test]
    public void SendOnTheLoopThreadRunsTheWorkAtOnce()
    {
        using var loop = new EventLoop<int>();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (_, ref _, ref _) => { });
        int ran = 0;
        scheduler.SynchronizationContext.Send(_ => ran++, null);
        Assert.That(ran, Is.EqualTo(1), "ran inside Send, without a dispatch");
    }

    [Test]
    public void SendBeforeTheSourceIsInALoopIsRefusedInsteadOfWaitingForever()
    {
        var (executor, scheduler) = Executor.Create<int>();
        using var _ = executor;
        int ran = 0;
        var e = Assert.Throws<InvalidOperationException>(() => scheduler.SynchronizationContext.Send(_ => ran++, null));
        Assert.That(e!.Message, Does.StartWith("LoopSynchronizationContext.Send: the async source is not in an event loop yet"));
        Assert.That(ran, Is.Zero);
    }

    [Test]
    public void AnExceptionInSentWorkIsRethrownToTheSenderAndTheLoopCarriesOn()
    {
        using var loop = new EventLoop<int>();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (_, ref _, ref n) => n++);
        LoopSynchronizationContext context = scheduler.SynchronizationContext;
        Exception? caught = null;
        bool ran = false;
        Thread sender = Waits.Start(() =>
        {
            try
            {
                context.Send(_ =>
                {
                    ran = true;
                    throw new FormatException("bad work");
                }, null);
            }
            catch (Exception e)
            {
                caught = e;
            }
        });
        int outputs = 0;
        Waits.DispatchUntil(loop, ref outputs, () => ran, "the loop runs the sent work");
        Waits.Join(sender, "the sender ended");
        Assert.That(caught, Is.TypeOf<FormatException>().With.Message.EqualTo("bad work"));

        scheduler.Schedule(() => System.Threading.Tasks.Task.FromResult(1));
        Waits.DispatchUntil(loop, ref outputs, () => outputs == 1, "the executor still runs work");
    }

    [Test]
    public void SendAfterTheSourceLeftItsLoopIsRefusedAndPostIsDropped()
    {
        using var loop = new EventLoop<int>();
        var (executor, scheduler) = Executor.Create<int>();
        RegistrationToken token = loop.Handle.InsertSource(executor, (_, ref _, ref _) => { });
        LoopSynchronizationContext context = scheduler.SynchronizationContext;
        loop.Handle.Remove(token);

        int ran = 0;
        Exception? caught = null;
        Thread sender = Waits.Start(() =>
        {
            try
            {
                context.Send(_ => ran++, null);
            }
            catch (Exception e)
            {
                caught = e;
            }
        });
        Waits.Join(sender, "Send returned instead of waiting for work that can never run");
        Assert.That(caught, Is.TypeOf<ObjectDisposedException>());
        Assert.That(caught!.Message, Does.StartWith("LoopSynchronizationContext.Send: the async source has left its event loop."));

        context.Post(_ => ran++, null);
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(ran, Is.Zero, "neither the sent nor the posted work ran");
    }

    [Test]
    public void ACopyIsTheSameContextAndNullWorkIsRefused()
    {
        var (executor, scheduler) = Executor.Create<int>();
        using var _ = executor;
        LoopSynchronizationContext context = scheduler.SynchronizationContext;
        Assert.That(context.CreateCopy(), Is.SameAs(context));
        Assert.Throws<ArgumentNullException>(() => context.Post(null!, null));
        Assert.Throws<ArgumentNullException>(() => context.Send(null!, null));
    }
}
