using System;
using System.Collections.Generic;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

/// <summary>Lifecycle hooks (<c>BeforeSleep</c>, <c>BeforeHandleEvents</c>) are user code under the same error policy as callbacks.</summary>
public class HookFaultTests
{
    public enum Hook
    {
        BeforeSleep,
        BeforeHandleEvents,
    }

    /// <summary>A source with no descriptor whose chosen hook throws while <see cref="Throwing"/> is set.</summary>
    private sealed class FaultyHooks(Hook hook) : IEventSource<Unit, Unit, Unit>
    {
        public bool Throwing { get; set; } = true;

        public int Calls { get; private set; }

        public bool NeedsLifecycleEvents => true;

        public void Register(Poll poll, ref TokenFactory tokenFactory) => tokenFactory.NextToken();

        public void Reregister(Poll poll, ref TokenFactory tokenFactory) => tokenFactory.NextToken();

        public void Unregister(Poll poll)
        {
        }

        public PollEvent? BeforeSleep()
        {
            Calls++;
            return Throwing && hook == Hook.BeforeSleep ? throw new InvalidOperationException("sleep hook") : null;
        }

        public void BeforeHandleEvents(EventIterator events)
        {
            Calls++;
            if (Throwing && hook == Hook.BeforeHandleEvents)
            {
                throw new InvalidOperationException("handle hook");
            }
        }

        public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
            where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct => PostAction.Continue;
    }

    private static (EventLoop<int> Loop, FaultyHooks Source, RegistrationToken Token, Ping Ping, List<LoopExceptionEventArgs> Seen) Setup(Hook hook, ErrorPolicy policy)
    {
        var loop = new EventLoop<int>(new EventLoopOptions { ErrorPolicy = policy });
        var seen = new List<LoopExceptionEventArgs>();
        loop.UnhandledException += (_, e) => seen.Add(e);
        var source = new FaultyHooks(hook);
        RegistrationToken token = loop.Handle.InsertSource(source, (_, ref _, ref _) => { }, name: "faulty");
        // A healthy source whose event is ready in the same dispatch.
        var (ping, pingSource) = Ping.Create();
        loop.Handle.InsertSource(pingSource, (_, ref _, ref n) => n++);
        ping.Send();
        return (loop, source, token, ping, seen);
    }

    [Test]
    public void UnderPropagateAHookExceptionIsReportedThenEscapesAndTheLoopStaysUsable([Values] Hook hook)
    {
        var (loop, source, token, ping, seen) = Setup(hook, ErrorPolicy.Propagate);
        using var _l = loop;
        using var _p = ping;
        int n = 0;
        var e = Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.Zero, ref n));
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(seen[0].Exception, Is.SameAs(e));
        Assert.That(seen[0].Source, Is.EqualTo(token));
        Assert.That(seen[0].SourceName, Is.EqualTo("faulty"));
        Assert.That(e!.Data["Calloop.Source"], Is.EqualTo("faulty"));

        source.Throwing = false;
        loop.Dispatch(TimeSpan.Zero, ref n);
        Assert.That(n, Is.EqualTo(1), "the ping's event is delivered once the hook stops throwing");
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(2));
    }

    [Test]
    public void UnderPropagateAHandledHookExceptionDoesNotEscape([Values] Hook hook)
    {
        var (loop, _, _, ping, seen) = Setup(hook, ErrorPolicy.Propagate);
        using var _l = loop;
        using var _p = ping;
        loop.UnhandledException += (_, e) => e.Handled = true;
        int n = 0;
        loop.Dispatch(TimeSpan.Zero, ref n);
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(n, Is.EqualTo(1), "the other source's event is delivered in the same dispatch");
    }

    [Test]
    public void UnderDisableSourceTheFaultySourceIsDisabledAndTheDispatchGoesOn([Values] Hook hook)
    {
        var (loop, source, token, ping, seen) = Setup(hook, ErrorPolicy.DisableSource);
        using var _l = loop;
        using var _p = ping;
        int n = 0;
        loop.Dispatch(TimeSpan.Zero, ref n);
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(n, Is.EqualTo(1));
        SourceInfo info = loop.Handle.GetSources()[0];
        Assert.That((info.Token, info.Enabled), Is.EqualTo((token, false)));

        int calls = source.Calls;
        loop.Dispatch(TimeSpan.Zero, ref n);
        Assert.That(source.Calls, Is.EqualTo(calls), "a disabled source's hooks are not called");
    }

    [Test]
    public void UnderRemoveSourceTheFaultySourceIsRemoved([Values] Hook hook)
    {
        var (loop, _, token, ping, seen) = Setup(hook, ErrorPolicy.RemoveSource);
        using var _l = loop;
        using var _p = ping;
        int n = 0;
        loop.Dispatch(TimeSpan.Zero, ref n);
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(n, Is.EqualTo(1));
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
        Assert.Throws<ArgumentException>(() => loop.Handle.Remove(token));
    }

    [Test]
    public void UnderStopLoopRunReturns([Values] Hook hook)
    {
        var (loop, _, _, ping, seen) = Setup(hook, ErrorPolicy.StopLoop);
        using var _l = loop;
        using var _p = ping;
        int n = 0;
        loop.Run(TimeSpan.FromSeconds(5), ref n);
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(n, Is.EqualTo(1));
    }

    [Test]
    public void EveryHookRunsEvenWhenAnEarlierOneThrows()
    {
        using var loop = new EventLoop<int>();
        var first = new FaultyHooks(Hook.BeforeHandleEvents);
        var second = new FaultyHooks(Hook.BeforeHandleEvents) { Throwing = false };
        loop.Handle.InsertSource(first, (_, ref _, ref _) => { });
        loop.Handle.InsertSource(second, (_, ref _, ref _) => { });
        int n = 0;
        Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.Zero, ref n));
        Assert.That(second.Calls, Is.EqualTo(2), "the second source's hooks ran in the dispatch whose first hook threw");
    }
}
