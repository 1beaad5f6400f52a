using System;
using System.Collections.Generic;
using System.Linq;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

/// <summary>What the registry tells users: source kinds, the operation a refused token names, and disposal failures.</summary>
public class SourceRegistryTests
{
    [Test]
    public void GetSourcesNamesEachKindAsCSharpSpellsIt()
    {
        using var loop = new EventLoop<int>();
        var (read, write) = Fds.Pipe();
        using var _w = write;
        var (ping, pingSource) = Ping.Create();
        using var _p = ping;
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        loop.Handle.InsertSource(Generic.From(read, Interest.Readable, Mode.Level), (_, ref _, ref _) => PostAction.Continue, name: "pipe");
        loop.Handle.InsertSource(pingSource, (_, ref _, ref _) => { });
        var sources = loop.Handle.GetSources();
        Assert.That(sources, Has.Count.EqualTo(3));
        Assert.That(sources[0].Kind, Is.EqualTo("TimerSource"));
        Assert.That(sources[1].Kind, Is.EqualTo("Generic<OwnedFd>"));
        Assert.That(sources[1].Name, Is.EqualTo("pipe"));
        Assert.That(sources[2].Kind, Is.EqualTo("PingSource"));
    }

    [TestCase("Remove")]
    [TestCase("Enable")]
    [TestCase("Disable")]
    [TestCase("Update")]
    [TestCase("SetErrorPolicy")]
    public void AStaleTokenIsRefusedWithTheOperationItWasUsedFor(string operation)
    {
        using var loop = new EventLoop<int>();
        RegistrationToken token = loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        loop.Handle.Remove(token);
        Action act = operation switch
        {
            "Remove" => () => loop.Handle.Remove(token),
            "Enable" => () => loop.Handle.Enable(token),
            "Disable" => () => loop.Handle.Disable(token),
            "Update" => () => loop.Handle.Update(token),
            _ => () => loop.Handle.SetErrorPolicy(token, ErrorPolicy.RemoveSource),
        };
        var e = Assert.Throws<ArgumentException>(() => act());
        Assert.That(e!.Message, Does.StartWith($"LoopHandle.{operation}: ").And.Contain("is stale"));
        Assert.That(e.ParamName, Is.EqualTo("token"));
    }

    [Test]
    public void NullSourcesAndCallbacksAreRefusedByName()
    {
        using var loop = new EventLoop<int>();
        var e1 = Assert.Throws<ArgumentNullException>(() => loop.Handle.InsertSource<Instant, Unit, TimeoutAction>(null!, (_, ref _, ref _) => TimeoutAction.Drop));
        Assert.That(e1!.ParamName, Is.EqualTo("source"));
        var e2 = Assert.Throws<ArgumentNullException>(() => loop.Handle.InsertSource(TimerSource.Immediate(), (EventCallback<Instant, Unit, int, TimeoutAction>)null!));
        Assert.That(e2!.ParamName, Is.EqualTo("callback"));
        var (ping, pingSource) = Ping.Create();
        using var _ = ping;
        var e3 = Assert.Throws<ArgumentNullException>(() => loop.Handle.InsertSource(pingSource, (EventAction<Unit, Unit, int>)null!));
        Assert.That(e3!.ParamName, Is.EqualTo("callback"), "the overload for sources whose callbacks return nothing");
        Assert.Throws<ArgumentNullException>(() => loop.Handle.InsertIdle(null!));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
        Assert.DoesNotThrow(() => loop.Handle.InsertSource(pingSource, (_, ref _, ref _) => { }), "the refused source is still free to insert");
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
    }

    [Test]
    public void SourcesThatFailToDisposeAreReportedTogetherWhenTheLoopIsDisposedAndTheRestAreStillDisposed()
    {
        var loop = new EventLoop<int>();
        var first = new FailingDisposal();
        var second = new FailingDisposal();
        var fine = new FailingDisposal { Fails = false };
        loop.Handle.InsertSource(first, (_, ref _, ref _) => { });
        loop.Handle.InsertSource(fine, (_, ref _, ref _) => { });
        loop.Handle.InsertSource(second, (_, ref _, ref _) => { });
        var e = Assert.Throws<AggregateException>(() => loop.Dispose());
        Assert.That(e!.Message, Does.StartWith("Disposing the event loop's sources failed."));
        Assert.That(e.InnerExceptions, Has.Count.EqualTo(2));
        Assert.That((first.Disposed, fine.Disposed, second.Disposed), Is.EqualTo((true, true, true)));
        loop.Dispose(); // harmless when repeated
    }

    [Test]
    public void GetSourcesSpellsEveryTypeArgumentAndTheArgumentsOfAnEnclosingGenericType()
    {
        using var loop = new EventLoop<int>();
        loop.Handle.InsertSource(new Pair<int, string>(), (_, ref _, ref _) => { });
        loop.Handle.InsertSource(new Outer<long>.Inner(), (_, ref _, ref _) => { });
        var sources = loop.Handle.GetSources();
        Assert.That(sources.Select(s => s.Kind), Is.EqualTo(new[] { "Pair<Int32, String>", "Inner<Int64>" }));
    }

    [Test]
    public void SetErrorPolicyToNullKeepsTheSourcesNameAndForgetsItsPolicy()
    {
        using var loop = new EventLoop<int>();
        RegistrationToken named = loop.Handle.InsertSource(new Counting(), (_, ref _, ref _) => { }, name: "named");
        RegistrationToken anonymous = loop.Handle.InsertSource(new Counting(), (_, ref _, ref _) => { });
        loop.Handle.SetErrorPolicy(named, ErrorPolicy.RemoveSource);
        loop.Handle.SetErrorPolicy(anonymous, ErrorPolicy.RemoveSource);
        Assert.That(loop.Handle.GetSources().Select(s => (s.Name, s.ErrorPolicy)),
            Is.EqualTo(new (string?, ErrorPolicy?)[] { ("named", ErrorPolicy.RemoveSource), (null, ErrorPolicy.RemoveSource) }));
        loop.Handle.SetErrorPolicy(named, null);
        loop.Handle.SetErrorPolicy(anonymous, null);
        var sources = loop.Handle.GetSources();
        Assert.That(sources.Select(s => (s.Name, s.ErrorPolicy)), Is.EqualTo(new (string?, ErrorPolicy?)[] { ("named", null), (null, null) }));
    }

    [Test]
    public void ASourceRemovedWhileDisabledIsUnregisteredOnlyOnceAndDisposed()
    {
        using var loop = new EventLoop<int>();
        var source = new Counting();
        RegistrationToken token = loop.Handle.InsertSource(source, (_, ref _, ref _) => { });
        loop.Handle.Disable(token);
        loop.Handle.Remove(token);
        Assert.That((source.Registered, source.Unregistered, source.Disposed), Is.EqualTo((1, 1, true)));
    }

    [Test]
    public void ALifecycleSourceRemovedGetsNoMoreHooksAndTheSourceInItsSlotGetsThemOnce()
    {
        using var loop = new EventLoop<int>();
        var first = new Counting { Lifecycle = true };
        RegistrationToken token = loop.Handle.InsertSource(first, (_, ref _, ref _) => { });
        int n = 0;
        loop.Dispatch(TimeSpan.Zero, ref n);
        Assert.That(first.BeforeSleeps, Is.EqualTo(1));
        loop.Handle.Remove(token);
        var second = new Counting { Lifecycle = true };
        RegistrationToken reused = loop.Handle.InsertSource(second, (_, ref _, ref _) => { });
        Assert.That(reused.Slot, Is.EqualTo(token.Slot), "the slot is reused");
        loop.Dispatch(TimeSpan.Zero, ref n);
        Assert.That((first.BeforeSleeps, second.BeforeSleeps), Is.EqualTo((1, 1)));
    }

    [Test]
    public void TokensOfSlotsGivenBackByTrimExcessAreStaleEverywhere()
    {
        // Seventeen sources grow the slots past their first 16; the seventeenth goes and the trim gives back its
        // slot, so that its token names a slot the loop no longer has.
        using var loop = new EventLoop<int>();
        var tokens = new RegistrationToken[17];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = loop.Handle.InsertSource(new Counting(), (_, ref _, ref _) => { });
        }
        RegistrationToken gone = tokens[16];
        loop.Handle.Remove(gone);
        loop.TrimExcess();
        Assert.Throws<ArgumentException>(() => loop.Handle.Remove(gone));
        Assert.Throws<ArgumentException>(() => loop.Handle.Enable(gone));
        loop.Handle.Registry.RemoveFromAnyThread(gone);
        int n = 0;
        loop.Dispatch(TimeSpan.Zero, ref n);
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(16), "the other sources are untouched");
        Assert.That(loop.Handle.GetSources().Select(s => s.Token), Is.EqualTo(tokens[..16]));
    }

    [Test]
    public void AfterABurstTheRegistryIsSparseUntilTrimmed()
    {
        using var loop = new EventLoop<int>();
        var tokens = new List<RegistrationToken>();
        for (int i = 0; i < 5000; i++)
        {
            tokens.Add(loop.Handle.InsertSource(new Counting(), (_, ref _, ref _) => { }));
        }
        foreach (RegistrationToken t in tokens.Skip(10))
        {
            loop.Handle.Remove(t);
        }
        Assert.That(loop.Handle.Registry.IsSparse, Is.True, "10 sources in 5000 slots");
        loop.TrimExcess();
        Assert.That(loop.Handle.Registry.IsSparse, Is.False);
        Assert.That(loop.Handle.GetSources().Select(s => s.Token), Is.EqualTo(tokens.Take(10)));
    }

    [Test]
    public void TheDefaultTokenAndATokenOfAnotherLoopAreRefusedSayingWhy()
    {
        using var loop = new EventLoop<int>();
        using var other = new EventLoop<int>();
        RegistrationToken foreign = other.Handle.InsertSource(new Pair<int, int>(), (_, ref _, ref _) => { });
        var e1 = Assert.Throws<ArgumentException>(() => loop.Handle.Remove(default));
        Assert.That(e1!.Message, Does.StartWith("LoopHandle.Remove: default(RegistrationToken) names no source; use the token InsertSource returned."));
        var e2 = Assert.Throws<ArgumentException>(() => loop.Handle.Disable(foreign));
        Assert.That(e2!.Message, Does.StartWith($"LoopHandle.Disable: {foreign} belongs to another loop (this is loop "));
        Assert.That(other.Handle.GetSources().Single().Enabled, Is.True, "the other loop's source is untouched");
    }

    [Test]
    public void ASourceIsInOneLoopAtATimeAndFreeAgainOnceRemovedOrRefused()
    {
        using var loop = new EventLoop<int>();
        using var other = new EventLoop<int>();
        var source = new Pair<int, int>();
        RegistrationToken token = loop.Handle.InsertSource(source, (_, ref _, ref _) => { });
        Assert.Throws<InvalidOperationException>(() => other.Handle.InsertSource(source, (_, ref _, ref _) => { }));
        loop.Handle.Remove(token);
        other.Handle.InsertSource(source, (_, ref _, ref _) => { });
        Assert.That(other.Handle.SourceCount, Is.EqualTo(1), "a removed source can go into another loop");

        var refusing = new Counting { RefuseRegistrations = 1 };
        Assert.Throws<System.IO.IOException>(() => loop.Handle.InsertSource(refusing, (_, ref _, ref _) => { }));
        loop.Handle.InsertSource(refusing, (_, ref _, ref _) => { });
        Assert.That((loop.Handle.SourceCount, refusing.Registered), Is.EqualTo((1, 1)), "a source whose registration failed stays free");
    }

    [Test]
    public void UpdateFromItsOwnCallbackReregistersTheSourceOnceWhenTheCallbackReturns()
    {
        using var loop = new EventLoop<int>();
        var source = new Counting { Lifecycle = true, Emit = true };
        RegistrationToken token = default;
        token = loop.Handle.InsertSource(source, (_, ref _, ref calls) =>
        {
            calls++;
            loop.Handle.Update(token);
            Assert.That(source.Reregistered, Is.Zero, "not while the callback runs");
        });
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That((calls, source.Reregistered), Is.EqualTo((1, 1)));
    }

    [Test]
    public void ASourceDisabledByAnEarlierCallbackOfTheBatchGetsNoEventFromIt()
    {
        // Both sources are ready in one batch; whichever runs first disables the other, whose event is then dropped.
        using var loop = new EventLoop<int>();
        var first = new Counting { Lifecycle = true, Emit = true };
        var second = new Counting { Lifecycle = true, Emit = true };
        RegistrationToken a = default, b = default;
        a = loop.Handle.InsertSource(first, (_, ref _, ref calls) =>
        {
            calls++;
            loop.Handle.Disable(b);
        });
        b = loop.Handle.InsertSource(second, (_, ref _, ref calls) =>
        {
            calls++;
            loop.Handle.Disable(a);
        });
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(loop.Handle.GetSources().Count(s => s.Enabled), Is.EqualTo(1));
    }

    /// <summary>A source of two type arguments.</summary>
    private sealed class Pair<TFirst, TSecond> : IEventSource<Unit, Unit, Unit>
    {
        public void Register(Poll poll, ref TokenFactory tokenFactory) => tokenFactory.NextToken();

        public void Reregister(Poll poll, ref TokenFactory tokenFactory) => tokenFactory.NextToken();

        public void Unregister(Poll poll)
        {
        }

        public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
            where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct => PostAction.Continue;
    }

    /// <summary>Holds a source type that is generic only through the type around it.</summary>
    private static class Outer<T>
    {
        internal sealed class Inner : IEventSource<Unit, Unit, Unit>
        {
            public void Register(Poll poll, ref TokenFactory tokenFactory) => tokenFactory.NextToken();

            public void Reregister(Poll poll, ref TokenFactory tokenFactory) => tokenFactory.NextToken();

            public void Unregister(Poll poll)
            {
            }

            public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
                where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct => PostAction.Continue;
        }
    }

    /// <summary>Counts what the loop asks of it.</summary>
    private sealed class Counting : IEventSource<Unit, Unit, Unit>, IDisposable
    {
        public bool Lifecycle { get; init; }

        public bool NeedsLifecycleEvents => Lifecycle;

        public int Registered { get; private set; }

        public int Unregistered { get; private set; }

        public int BeforeSleeps { get; private set; }

        public bool Disposed { get; private set; }

        /// <summary>How many registrations to refuse (with an <see cref="System.IO.IOException"/>) before accepting one.</summary>
        public int RefuseRegistrations { get; set; }

        /// <summary>When set, the source gives itself one event from its next <see cref="BeforeSleep"/>.</summary>
        public bool Emit { get; set; }

        public int Reregistered { get; private set; }

        private Token _token;

        public void Register(Poll poll, ref TokenFactory tokenFactory)
        {
            if (RefuseRegistrations > 0)
            {
                RefuseRegistrations--;
                throw new System.IO.IOException("registration refused on purpose");
            }
            _token = tokenFactory.NextToken();
            Registered++;
        }

        public void Reregister(Poll poll, ref TokenFactory tokenFactory)
        {
            _token = tokenFactory.NextToken();
            Reregistered++;
        }

        public void Unregister(Poll poll) => Unregistered++;

        public PollEvent? BeforeSleep()
        {
            BeforeSleeps++;
            if (Emit)
            {
                Emit = false;
                return new PollEvent(Readiness.None, _token);
            }
            return null;
        }

        public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
            where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct
        {
            Unit metadata = default;
            callback.Invoke(default, ref metadata);
            return PostAction.Continue;
        }

        public void Dispose() => Disposed = true;
    }

    private sealed class FailingDisposal : IEventSource<Unit, Unit, Unit>, IDisposable
    {
        public bool Fails { get; init; } = true;

        public bool Disposed { get; private set; }

        public void Register(Poll poll, ref TokenFactory tokenFactory) => tokenFactory.NextToken();

        public void Reregister(Poll poll, ref TokenFactory tokenFactory) => tokenFactory.NextToken();

        public void Unregister(Poll poll)
        {
        }

        public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
            where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct => PostAction.Continue;

        public void Dispose()
        {
            Disposed = true;
            if (Fails)
            {
                throw new InvalidOperationException("disposal failed on purpose");
            }
        }
    }
}
