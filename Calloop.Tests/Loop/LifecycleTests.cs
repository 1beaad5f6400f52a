using System;
using System.Collections.Generic;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

/// <summary>BeforeSleep / BeforeHandleEvents hooks and synthetic events.</summary>
public class LifecycleTests
{
    /// <summary>A ping source that records the order of hook and callback calls.</summary>
    private sealed class HookedPing(PingSource inner, List<string> log, bool synthetic) : IEventSource<Unit, Unit, Unit>, IDisposable
    {
        private Token _syntheticToken;

        public bool NeedsLifecycleEvents => true;

        public void Register(Poll poll, ref TokenFactory tokenFactory)
        {
            inner.Register(poll, ref tokenFactory);
            _syntheticToken = tokenFactory.NextToken();
        }

        public void Reregister(Poll poll, ref TokenFactory tokenFactory)
        {
            inner.Reregister(poll, ref tokenFactory);
            _syntheticToken = tokenFactory.NextToken();
        }

        public void Unregister(Poll poll) => inner.Unregister(poll);

        public PollEvent? BeforeSleep()
        {
            log.Add("sleep");
            return synthetic ? new PollEvent(Readiness.None, _syntheticToken) : null;
        }

        public void BeforeHandleEvents(EventIterator events)
        {
            int n = 0;
            foreach (PollEvent _ in events)
            {
                n++;
            }
            log.Add($"handle:{n}");
        }

        public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
            where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct
        {
            if (token == _syntheticToken)
            {
                log.Add("synthetic");
                return PostAction.Continue;
            }
            return inner.ProcessEvents(readiness, token, ref callback);
        }

        public void Dispose() => inner.Dispose();
    }

    [Test]
    public void HooksRunBeforeTheWaitAndBeforeTheEventsAndSeeOnlyTheirOwnEvents()
    {
        using var loop = new EventLoop<List<string>>();
        var log = new List<string>();
        var (ping, source) = Ping.Create();
        using var _ = ping;
        RegistrationToken token = loop.Handle.InsertSource(new HookedPing(source, log, synthetic: false), (_, ref _, ref l) => l.Add("callback"));
        // Another source with an event in the same batch: the hook must not see it.
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref l) =>
        {
            l.Add("timer");
            return TimeoutAction.Drop;
        });

        ping.Send();
        Waits.DispatchBlocking(loop, ref log, "the ping ended the wait");
        Assert.That(log, Is.EqualTo(new[] { "sleep", "handle:1", "callback", "timer" }));

        log.Clear();
        loop.Handle.Disable(token);
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log, Is.Empty, "a disabled source's hooks are not called");

        loop.Handle.Remove(token);
        loop.Dispatch(TimeSpan.Zero, ref log);
        Assert.That(log, Is.Empty);
    }

    [Test]
    public void ASyntheticEventFromBeforeSleepMakesTheWaitZeroAndIsDispatchedFirst()
    {
        using var loop = new EventLoop<List<string>>();
        var log = new List<string>();
        var (ping, source) = Ping.Create();
        using var _ = ping;
        loop.Handle.InsertSource(new HookedPing(source, log, synthetic: true), (_, ref _, ref l) => l.Add("callback"));
        // Dispatch(null) would block forever without the synthetic event.
        Waits.DispatchBlocking(loop, ref log, "the synthetic event made the wait zero");
        Assert.That(log, Is.EqualTo(new[] { "sleep", "handle:0", "synthetic" }));
    }
}
