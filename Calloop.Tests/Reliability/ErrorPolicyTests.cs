using System;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

public class ErrorPolicyTests
{
    private static (EventLoop<int> Loop, Ping Ping, RegistrationToken Token) ThrowingPing(EventLoopOptions? options = null)
    {
        var loop = new EventLoop<int>(options);
        var (ping, source) = Ping.Create();
        RegistrationToken token = loop.Handle.InsertSource(source, (_, ref _, ref n) =>
        {
            n++;
            throw new InvalidOperationException("boom");
        }, name: "flaky");
        return (loop, ping, token);
    }

    [Test]
    public void PropagateIsTheDefaultAndTheExceptionNamesTheSource()
    {
        var (loop, ping, _) = ThrowingPing();
        using var _l = loop;
        using var _p = ping;
        ping.Send();
        int calls = 0;
        var e = Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.Zero, ref calls));
        Assert.That(e!.Data["Calloop.Source"], Is.EqualTo("flaky"));
        Assert.That(loop.Handle.GetSources()[0].Enabled, Is.True);
    }

    [Test]
    public void AHandlerCanMarkAnExceptionHandledAndTheBatchGoesOn()
    {
        var (loop, ping, token) = ThrowingPing();
        using var _l = loop;
        using var _p = ping;
        LoopExceptionEventArgs? seen = null;
        loop.UnhandledException += (_, args) =>
        {
            seen = args;
            args.Handled = true;
        };
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref n) =>
        {
            n += 100;
            return TimeoutAction.Drop;
        });
        ping.Send();
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(101), "the timer after the throwing ping ran in the same dispatch");
        Assert.That(seen!.Source, Is.EqualTo(token));
        Assert.That(seen.SourceName, Is.EqualTo("flaky"));
        Assert.That(seen.Policy, Is.EqualTo(ErrorPolicy.Propagate));
        Assert.That(seen.Exception.Message, Is.EqualTo("boom"));
    }

    [Test]
    public void DisableSourcePolicyDisablesTheSourceAndGoesOn()
    {
        var (loop, ping, token) = ThrowingPing(new EventLoopOptions { ErrorPolicy = ErrorPolicy.DisableSource });
        using var _l = loop;
        using var _p = ping;
        int calls = 0;
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref calls);
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(loop.Handle.GetSources()[0].Enabled, Is.False);
        loop.Handle.Enable(token);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(2), "the ping that arrived while disabled is seen after Enable");
    }

    [Test]
    public void RemoveSourcePolicyPerSourceRemovesIt()
    {
        var (loop, ping, token) = ThrowingPing();
        using var _l = loop;
        using var _p = ping;
        loop.Handle.SetErrorPolicy(token, ErrorPolicy.RemoveSource);
        Assert.That(loop.Handle.GetSources()[0].ErrorPolicy, Is.EqualTo(ErrorPolicy.RemoveSource));
        int calls = 0;
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void StopLoopPolicyEndsRun()
    {
        var (loop, ping, _) = ThrowingPing(new EventLoopOptions { ErrorPolicy = ErrorPolicy.StopLoop });
        using var _l = loop;
        using var _p = ping;
        ping.Send();
        int calls = 0;
        loop.Run(null, ref calls);
        Assert.That(calls, Is.EqualTo(1));
    }

    [Test]
    public void ALevelTriggeredEventIsNotLostBecauseAnotherCallbackThrew()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Support.Fds.SocketPair();
        using var tx = b;
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) => throw new InvalidOperationException("first"));
        loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), (_, ref fd, ref n) =>
        {
            n += Support.Fds.Drain(fd);
            return PostAction.Continue;
        });
        Support.Fds.Write(tx, "abc"u8);
        int bytes = 0;
        // Whichever of the two is delivered first, the readable socket must be served by one of the two dispatches.
        try
        {
            loop.Dispatch(TimeSpan.Zero, ref bytes);
        }
        catch (InvalidOperationException)
        {
        }
        loop.Dispatch(TimeSpan.Zero, ref bytes);
        Assert.That(bytes, Is.EqualTo(3));
    }

    [Test]
    public void IdleExceptionsFollowTheLoopPolicy()
    {
        using var loop = new EventLoop<int>(new EventLoopOptions { ErrorPolicy = ErrorPolicy.RemoveSource });
        LoopExceptionEventArgs? seen = null;
        int reports = 0;
        loop.UnhandledException += (_, args) =>
        {
            seen = args;
            reports++;
        };
        loop.Handle.InsertIdle((ref _) => throw new InvalidOperationException("idle"));
        loop.Handle.InsertIdle((ref n) => n++);
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(reports, Is.EqualTo(1));
        Assert.That(seen!.Exception.Message, Is.EqualTo("idle"));
        Assert.That((seen.Source, seen.SourceName, seen.Policy), Is.EqualTo(((RegistrationToken?)null, (string?)null, ErrorPolicy.RemoveSource)));
        Assert.That(data, Is.Zero, "the idle queued after the one that threw waits for the next dispatch");
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(1), "the next dispatch runs it");
        Assert.That(reports, Is.EqualTo(1), "the idle that threw ran once");
    }
}
