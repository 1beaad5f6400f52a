using System;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

/// <summary>A hand-written composite of two pings, each child registered with its own sub-token.</summary>
public class CompositeTests
{
    private sealed class DoubleSource : IEventSource<int, Unit, Unit>, IDisposable
    {
        internal readonly PingSource First;
        internal readonly PingSource Second;

        internal DoubleSource(PingSource first, PingSource second)
        {
            First = first;
            Second = second;
        }

        public void Register(Poll poll, ref TokenFactory tokenFactory)
        {
            First.Register(poll, ref tokenFactory);
            Second.Register(poll, ref tokenFactory);
        }

        public void Reregister(Poll poll, ref TokenFactory tokenFactory)
        {
            First.Reregister(poll, ref tokenFactory);
            Second.Reregister(poll, ref tokenFactory);
        }

        public void Unregister(Poll poll)
        {
            First.Unregister(poll);
            Second.Unregister(poll);
        }

        public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
            where TCallback : IEventCallback<int, Unit, Unit>, allows ref struct
        {
            // A callback may be a ref struct: it is moved into the child's adapter and back out again.
            var first = new Forward<TCallback>(callback, 1);
            PostAction a = First.ProcessEvents(readiness, token, ref first);
            callback = first.Inner;
            var second = new Forward<TCallback>(callback, 2);
            PostAction b = Second.ProcessEvents(readiness, token, ref second);
            callback = second.Inner;
            return a.Combine(b);
        }

        public void Dispose()
        {
            First.Dispose();
            Second.Dispose();
        }

        private ref struct Forward<TCallback>(TCallback inner, int value) : IEventCallback<Unit, Unit, Unit>
            where TCallback : IEventCallback<int, Unit, Unit>, allows ref struct
        {
            public TCallback Inner = inner;

            public Unit Invoke(Unit @event, ref Unit metadata)
            {
                Unit m = default;
                return Inner.Invoke(value, ref m);
            }
        }
    }

    [Test]
    public void ACompositeWithTwoSubTokensSeesEachAndBoth()
    {
        using var loop = new EventLoop<int>();
        var (ping1, source1) = Ping.Create();
        var (ping2, source2) = Ping.Create();
        using var p1 = ping1;
        using var p2 = ping2;
        loop.Handle.InsertSource(new DoubleSource(source1, source2), (value, ref _, ref sum) =>
        {
            sum += value;
            return default;
        });

        int data = 0;
        ping1.Send();
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(1));

        data = 0;
        ping2.Send();
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(2));

        data = 0;
        ping1.Send();
        ping2.Send();
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(3));
    }

    [TestCase(PostAction.Continue, PostAction.Continue, PostAction.Continue)]
    [TestCase(PostAction.Reregister, PostAction.Reregister, PostAction.Reregister)]
    [TestCase(PostAction.Disable, PostAction.Disable, PostAction.Disable)]
    [TestCase(PostAction.Remove, PostAction.Remove, PostAction.Remove)]
    [TestCase(PostAction.Continue, PostAction.Remove, PostAction.Reregister)]
    [TestCase(PostAction.Disable, PostAction.Continue, PostAction.Reregister)]
    [TestCase(PostAction.Remove, PostAction.Disable, PostAction.Reregister)]
    [TestCase(PostAction.Reregister, PostAction.Continue, PostAction.Reregister)]
    public void PostActionCombineTable(PostAction a, PostAction b, PostAction expected)
    {
        Assert.That(a.Combine(b), Is.EqualTo(expected));
        Assert.That(b.Combine(a), Is.EqualTo(expected));
        Assert.That(a | b, Is.EqualTo(expected), "| combines as calloop does");
        PostAction action = PostAction.Continue;
        action |= a;
        action |= b;
        Assert.That(action, Is.EqualTo(PostAction.Continue.Combine(a).Combine(b)), "|= from Continue, as code ported from Rust writes it");
    }

    [Test]
    public void EveryCombinationOfTwoActionsIsOneOfTheFour()
    {
        PostAction[] all = [PostAction.Continue, PostAction.Reregister, PostAction.Disable, PostAction.Remove];
        foreach (PostAction a in all)
        {
            foreach (PostAction b in all)
            {
                Assert.That(a | b, Is.EqualTo(a == b ? a : PostAction.Reregister), $"{a} | {b}");
            }
        }
        // A literal port of a composite: Reregister | Disable must re-register, not remove.
        Assert.That(PostAction.Reregister | PostAction.Disable, Is.EqualTo(PostAction.Reregister));
    }

    [Test]
    public void ADefaultPostActionCountsAsContinue()
    {
        using var loop = new EventLoop<int>();
        var (read, write) = Calloop.Tests.Support.Fds.Pipe();
        using var _w = write;
        int calls = 0;
        RegistrationToken token = loop.Handle.InsertSource(Generic.From(read, Interest.Readable, Mode.Level), (_, ref r, ref n) =>
        {
            n += Calloop.Tests.Support.Fds.Drain(r);
            calls++;
            return default;
        });
        Calloop.Tests.Support.Fds.Write(write, "a"u8);
        int data = 0;
        loop.Dispatch(TimeSpan.FromSeconds(5), ref data);
        Calloop.Tests.Support.Fds.Write(write, "b"u8);
        loop.Dispatch(TimeSpan.FromSeconds(5), ref data);
        Assert.That((calls, data), Is.EqualTo((2, 2)));
        Assert.That(loop.Handle.GetSources()[0].Enabled, Is.True);
        Assert.That(default(PostAction).Combine(PostAction.Disable), Is.EqualTo(PostAction.Reregister));
        loop.Handle.Remove(token);
    }
}
