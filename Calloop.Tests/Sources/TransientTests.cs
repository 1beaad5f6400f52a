using System;
using System.Collections.Generic;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

public class TransientTests
{
    /// <summary>A ping-driven source that reports its id, answers a chosen action and logs its lifecycle.</summary>
    private sealed class Probe : IEventSource<int, Unit, Unit>, IDisposable
    {
        private readonly PingSource _ping;
        private readonly List<string> _log;

        internal Probe(string name, PingSource ping, List<string> log)
        {
            Name = name;
            _ping = ping;
            _log = log;
        }

        internal string Name { get; }

        internal int Id { get; set; }

        internal PostAction Answer { get; set; } = PostAction.Continue;

        internal bool Disposed { get; private set; }

        public void Register(Poll poll, ref TokenFactory tokenFactory)
        {
            _log.Add($"{Name}.Register");
            _ping.Register(poll, ref tokenFactory);
        }

        public void Reregister(Poll poll, ref TokenFactory tokenFactory)
        {
            _log.Add($"{Name}.Reregister");
            _ping.Reregister(poll, ref tokenFactory);
        }

        public void Unregister(Poll poll)
        {
            _log.Add($"{Name}.Unregister");
            _ping.Unregister(poll);
        }

        public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
            where TCallback : IEventCallback<int, Unit, Unit>, allows ref struct
        {
            var forward = new Forward<TCallback>(callback, Id);
            _ping.ProcessEvents(readiness, token, ref forward);
            callback = forward.Inner;
            return forward.Fired ? Answer : PostAction.Continue;
        }

        public void Dispose()
        {
            if (!Disposed)
            {
                _log.Add($"{Name}.Dispose");
                Disposed = true;
                _ping.Dispose();
            }
        }

        private ref struct Forward<TCallback>(TCallback inner, int id) : IEventCallback<Unit, Unit, Unit>
            where TCallback : IEventCallback<int, Unit, Unit>, allows ref struct
        {
            public TCallback Inner = inner;
            public bool Fired;

            public Unit Invoke(Unit @event, ref Unit metadata)
            {
                Fired = true;
                Unit m = default;
                return Inner.Invoke(id, ref m);
            }
        }
    }

    private static (Ping Ping, Probe Probe) MakeProbe(string name, List<string> log)
    {
        var (ping, source) = Ping.Create();
        return (ping, new Probe(name, source, log));
    }

    private static EventAction<int, Unit, List<int>> Record => (id, ref _, ref seen) => seen.Add(id);

    [Test]
    public void AnInnerRemoveDropsTheInnerSourceAndTheWrapperStays()
    {
        var log = new List<string>();
        var (ping, probe) = MakeProbe("a", log);
        using var _ = ping;
        probe.Answer = PostAction.Remove;
        var transient = new TransientSource<Probe, int, Unit, Unit>(probe);
        using var loop = new EventLoop<List<int>>();
        loop.Handle.InsertSource(transient, Record);

        var seen = new List<int>();
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(probe.Disposed, Is.True);
        Assert.That(log, Is.EqualTo(new[] { "a.Register", "a.Unregister", "a.Dispose" }));
        Assert.That(transient.IsNone, Is.True);
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1), "the wrapper stays registered");

        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Has.Count.EqualTo(1));
    }

    [Test]
    public void MessagesAndClosedPassThrough()
    {
        var (sender, source) = Channel.Create<uint>();
        var transient = new TransientSource<ChannelSource<uint>, ChannelEvent<uint>, Unit, Unit>(source);
        using var loop = new EventLoop<List<ChannelEvent<uint>>>();
        loop.Handle.InsertSource(transient, (evt, ref _, ref queue) => queue.Add(evt));
        for (uint i = 0; i < 4; i++)
        {
            sender.Send(i);
        }
        sender.Dispose();
        var queue = new List<ChannelEvent<uint>>();
        loop.Dispatch(TimeSpan.Zero, ref queue);
        Assert.That(queue, Has.Count.EqualTo(5));
        for (int i = 0; i < 4; i++)
        {
            Assert.That(queue[i].IsClosed, Is.False);
            Assert.That(queue[i].Message, Is.EqualTo((uint)i));
        }
        Assert.That(queue[4].IsClosed, Is.True);
        Assert.That(transient.IsNone, Is.True, "the channel removed itself after Closed");
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
    }

    /// <summary>A composite holding a transient child; it bumps the child's id at every step.</summary>
    private sealed class Wrapper(TransientSource<Probe, int, Unit, Unit> inner) : IEventSource<int, Unit, Unit>, IDisposable
    {
        internal TransientSource<Probe, int, Unit, Unit> Inner { get; } = inner;

        public void Register(Poll poll, ref TokenFactory tokenFactory)
        {
            Inner.Map(p => p.Id++);
            Inner.Register(poll, ref tokenFactory);
        }

        public void Reregister(Poll poll, ref TokenFactory tokenFactory)
        {
            Inner.Map(p => p.Id++);
            Inner.Reregister(poll, ref tokenFactory);
        }

        public void Unregister(Poll poll)
        {
            Inner.Map(p => p.Id++);
            Inner.Unregister(poll);
        }

        public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
            where TCallback : IEventCallback<int, Unit, Unit>, allows ref struct
        {
            // Like calloop's test source: past id 2, the inner source answers Remove.
            Inner.Map(p => p.Answer = p.Id > 2 ? PostAction.Remove : PostAction.Continue);
            PostAction action = Inner.ProcessEvents(readiness, token, ref callback);
            Inner.Map(p => p.Id++);
            return action;
        }

        public void Dispose() => Inner.Dispose();
    }

    [Test]
    public void MapReachesTheInnerSourceAndReturnsNothingOnceItIsGone()
    {
        var log = new List<string>();
        var (ping, probe) = MakeProbe("a", log);
        using var _ = ping;
        var wrapper = new Wrapper(new TransientSource<Probe, int, Unit, Unit>(probe));
        using var loop = new EventLoop<int>();
        RegistrationToken token = loop.Handle.InsertSource(wrapper, (id, ref _, ref got) => got = id);

        int id = 0;
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref id);
        Assert.That(id, Is.EqualTo(1), "register bumped it to 1");
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref id);
        Assert.That(id, Is.EqualTo(2));
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref id);
        Assert.That(id, Is.EqualTo(3), "this event's source answered Remove");
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref id);
        Assert.That(id, Is.EqualTo(3), "the inner source is gone");

        Assert.That(wrapper.Inner.Map(_ => Assert.Fail("no inner source")), Is.False);
        Assert.That(wrapper.Inner.TryMap(p => p.Id, out int left), Is.False);
        Assert.That(left, Is.Zero);
        Assert.That(probe.Disposed, Is.True);
        loop.Handle.Remove(token);
        Assert.That(wrapper.Inner.IsNone, Is.True);
    }

    [Test]
    public void AnInnerDisableIsHonouredAndEnablingBringsItBack()
    {
        var log = new List<string>();
        var (ping, probe) = MakeProbe("a", log);
        using var _ = ping;
        probe.Answer = PostAction.Disable;
        var transient = new TransientSource<Probe, int, Unit, Unit>(probe);
        using var loop = new EventLoop<List<int>>();
        RegistrationToken token = loop.Handle.InsertSource(transient, Record);

        var seen = new List<int>();
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Has.Count.EqualTo(1));

        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Has.Count.EqualTo(1), "the inner source is disabled");
        Assert.That(transient.IsNone, Is.False);

        // Re-enabling the wrapper's registration registers the inner source again.
        loop.Handle.Disable(token);
        loop.Handle.Enable(token);
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Has.Count.EqualTo(2), "the pending ping is seen once enabled");

        // It disabled itself again; Enable() + Update brings it back too.
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Has.Count.EqualTo(2));
        transient.Enable();
        loop.Handle.Update(token);
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Has.Count.EqualTo(3));
    }

    [Test]
    public void ReplaceUnregistersTheOldSourceBeforeDisposingIt()
    {
        var log = new List<string>();
        var (pingA, a) = MakeProbe("a", log);
        var (pingB, b) = MakeProbe("b", log);
        using var pa = pingA;
        using var pb = pingB;
        a.Id = 1;
        b.Id = 2;
        var transient = new TransientSource<Probe, int, Unit, Unit>(a);
        using var loop = new EventLoop<List<int>>();
        RegistrationToken token = loop.Handle.InsertSource(transient, Record);
        var seen = new List<int>();
        pingA.Send();
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Is.EqualTo(new[] { 1 }));

        log.Clear();
        transient.Replace(b);
        Assert.That(a.Disposed, Is.False, "not before the wrapper is re-registered");
        loop.Handle.Update(token);
        Assert.That(log, Is.EqualTo(new[] { "a.Unregister", "a.Dispose", "b.Register" }));

        pingA.Send();
        pingB.Send();
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void ReplacingAnEmptyWrapperRegistersTheNewSource()
    {
        var log = new List<string>();
        var (pingA, a) = MakeProbe("a", log);
        var (pingB, b) = MakeProbe("b", log);
        using var pa = pingA;
        using var pb = pingB;
        b.Id = 7;
        var transient = new TransientSource<Probe, int, Unit, Unit>(a);
        using var loop = new EventLoop<List<int>>();
        RegistrationToken token = loop.Handle.InsertSource(transient, Record);
        transient.Remove();
        loop.Handle.Update(token);
        Assert.That(transient.IsNone, Is.True);
        Assert.That(a.Disposed, Is.True);

        transient.Replace(b);
        Assert.That(transient.IsNone, Is.False);
        loop.Handle.Update(token);
        var seen = new List<int>();
        pingB.Send();
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Is.EqualTo(new[] { 7 }));
    }

    [Test]
    public void RemovingTheWrapperFromTheLoopDropsTheInnerSource()
    {
        var log = new List<string>();
        var (ping, probe) = MakeProbe("a", log);
        using var _ = ping;
        using var loop = new EventLoop<List<int>>();
        RegistrationToken token = loop.Handle.InsertSource(TransientSource.From(probe), Record);
        loop.Handle.Remove(token);
        Assert.That(probe.Disposed, Is.True);
        Assert.That(log, Is.EqualTo(new[] { "a.Register", "a.Unregister", "a.Dispose" }));
    }
}
