using System;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

/// <summary>An exception from a callback propagates, and nothing of the batch is lost.</summary>
public class ErrorTests
{
    [Test]
    public void ACallbackExceptionPropagatesAndTheRestOfTheBatchIsDeliveredByTheNextDispatch()
    {
        using var loop = new EventLoop<string>();
        var (ping, source) = Ping.Create();
        using var _ = ping;
        loop.Handle.InsertSource(source, (_, ref _, ref log) =>
        {
            log += "P";
            throw new InvalidOperationException("boom");
        });
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref log) =>
        {
            log += "T";
            return TimeoutAction.Drop;
        });
        loop.Handle.InsertIdle((ref log) => log += "I");

        ping.Send();
        string data = "";
        var e = Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.Zero, ref data));
        Assert.That(e!.Message, Is.EqualTo("boom"));
        Assert.That(data, Is.EqualTo("P"));
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(2), "the throwing source stays registered");

        // The timer (already taken from the wheel) and the idle are delivered next, without waiting.
        Waits.DispatchBlocking(loop, ref data, "the rest of the batch was delivered without waiting");
        Assert.That(data, Is.EqualTo("PTI"));
    }

    [Test]
    public void ACallbackThatRemovesItselfAndThrowsIsStillRemoved()
    {
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        RegistrationToken token = default;
        token = handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) =>
        {
            handle.Remove(token);
            throw new InvalidOperationException("boom");
        });
        int data = 0;
        Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.Zero, ref data));
        Assert.That(handle.SourceCount, Is.Zero);
    }

    [Test]
    public void ASourceThatRemovedItselfBeforeThrowingIsReportedAsGoneUnderTheLoopsPolicy()
    {
        using var loop = new EventLoop<int>(new EventLoopOptions { ErrorPolicy = ErrorPolicy.Propagate });
        LoopHandle<int> handle = loop.Handle;
        RegistrationToken token = default;
        token = handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) =>
        {
            handle.Remove(token);
            throw new InvalidOperationException("after removing itself");
        }, "self-removing");
        handle.SetErrorPolicy(token, ErrorPolicy.StopLoop);
        LoopExceptionEventArgs? seen = null;
        loop.UnhandledException += (_, e) =>
        {
            seen = e;
            e.Handled = true;
        };
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(seen, Is.Not.Null, "the exception was reported");
        Assert.That(seen!.Exception.Message, Is.EqualTo("after removing itself"));
        Assert.That((seen.Source, seen.SourceName), Is.EqualTo(((RegistrationToken?)null, (string?)null)),
            "the source is gone: the event names no source");
        Assert.That(seen.Policy, Is.EqualTo(ErrorPolicy.Propagate), "the loop's policy, not the removed source's own");
        Assert.That(handle.SourceCount, Is.Zero);
    }

    [Test]
    public void AnIdleExceptionLeavesTheLaterIdlesForTheNextDispatch()
    {
        using var loop = new EventLoop<string>();
        loop.Handle.InsertIdle((ref _) => throw new InvalidOperationException("idle"));
        loop.Handle.InsertIdle((ref s) => s += "b");
        string data = "";
        Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.Zero, ref data));
        Assert.That(data, Is.Empty);
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo("b"));
    }
}
