using System;
using System.Threading;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

/// <summary>Inserting, removing, enabling, disabling and updating sources, including from callbacks.</summary>
public class RegistryTests
{
    [Test]
    public void InsertingAnInvalidFdFailsClearlyAndLeavesTheLoopUsable()
    {
        using var loop = new EventLoop<int>();
        var source = Generic.From(new FileDescriptor(4200), Interest.Readable, Mode.Level);
        var e = Assert.Throws<CalloopException>(() => loop.Handle.InsertSource(source, (_, ref _, ref _) => PostAction.Continue));
        Assert.That(e!.Errno, Is.EqualTo(9));
        Assert.That(e.FileDescriptor, Is.EqualTo(4200));
        Assert.That(e.Message, Does.Contain("epoll_ctl(ADD)").And.Contain("fd 4200").And.Contain("EBADF"));
        Assert.That(loop.Handle.SourceCount, Is.Zero);

        loop.Handle.InsertIdle((ref n) => n = 7);
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(7));
    }

    [Test]
    public void AStaleTokenIsRejectedAfterRemoval()
    {
        using var loop = new EventLoop<int>();
        var (ping, source) = Ping.Create();
        using var _ = ping;
        RegistrationToken token = loop.Handle.InsertSource(source, (_, ref _, ref _) => { });
        loop.Handle.Remove(token);
        var e = Assert.Throws<ArgumentException>(() => loop.Handle.Enable(token));
        Assert.That(e!.Message, Does.Contain("stale").And.Contain("Enable"));
        Assert.Throws<ArgumentException>(() => loop.Handle.Remove(token));
        Assert.Throws<ArgumentException>(() => loop.Handle.Disable(token));
        Assert.Throws<ArgumentException>(() => loop.Handle.Update(token));
    }

    [Test]
    public void AStaleTokenIsRejectedEvenWhenItsSlotWasReused()
    {
        using var loop = new EventLoop<int>();
        RegistrationToken first = loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        loop.Handle.Remove(first);
        RegistrationToken second = loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        Assert.That(second, Is.Not.EqualTo(first));
        Assert.Throws<ArgumentException>(() => loop.Handle.Remove(first));
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1), "the new source must not be touched through the old token");
    }

    [Test]
    public void RegistrationWithNoInterestSucceedsAndReportsNothing()
    {
        using var loop = new EventLoop<int>();
        var (read, write) = Fds.Pipe();
        using var w = write;
        RegistrationToken token = loop.Handle.InsertSource(Generic.From(read, Interest.None, Mode.Level), (_, ref _, ref n) =>
        {
            n++;
            return PostAction.Continue;
        });
        Fds.Write(write, "x"u8);
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.Zero);
        loop.Handle.Remove(token);
    }

    [Test]
    public void DisableKeepsAPendingLevelEventThatArrivesAfterEnable()
    {
        using var loop = new EventLoop<bool>();
        var (ping, source) = Ping.Create();
        using var _ = ping;
        RegistrationToken token = loop.Handle.InsertSource(source, (_, ref _, ref d) => d = true);
        bool dispatched = false;

        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref dispatched);
        Assert.That(dispatched, Is.True);

        dispatched = false;
        ping.Send();
        loop.Handle.Disable(token);
        loop.Dispatch(TimeSpan.Zero, ref dispatched);
        Assert.That(dispatched, Is.False);

        loop.Handle.Enable(token);
        loop.Dispatch(TimeSpan.Zero, ref dispatched);
        Assert.That(dispatched, Is.True);
    }

    [Test]
    public void ChangingInterestReadThenWriteThenRead()
    {
        using var loop = new EventLoop<bool>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        var generic = Generic.From(a, Interest.Readable, Mode.Level);
        RegistrationToken token = loop.Handle.InsertSource(generic, (_, ref fd, ref d) =>
        {
            d = true;
            Fds.Drain(fd);
            return PostAction.Continue;
        });
        bool dispatched = false;
        loop.Dispatch(TimeSpan.Zero, ref dispatched);
        Assert.That(dispatched, Is.False);

        Fds.Write(peer, [1, 2, 3]);
        loop.Dispatch(TimeSpan.Zero, ref dispatched);
        Assert.That(dispatched, Is.True);

        dispatched = false;
        loop.Dispatch(TimeSpan.Zero, ref dispatched);
        Assert.That(dispatched, Is.False);

        generic.Interest = Interest.Writable;
        loop.Handle.Update(token);
        loop.Dispatch(TimeSpan.Zero, ref dispatched);
        Assert.That(dispatched, Is.True);

        dispatched = false;
        generic.Interest = Interest.Readable;
        loop.Handle.Update(token);
        loop.Dispatch(TimeSpan.Zero, ref dispatched);
        Assert.That(dispatched, Is.False);
    }

    private sealed class Holder
    {
        public RegistrationToken? Token;
        public int Calls;
    }

    [Test]
    public void RemovingTheCurrentSourceInsideItsCallbackIsDeferredUntilItReturns()
    {
        using var loop = new EventLoop<Holder>();
        var (ping, source) = Ping.Create();
        using var _ = ping;
        LoopHandle<Holder> handle = loop.Handle;
        var holder = new Holder();
        holder.Token = handle.InsertSource(source, (_, ref _, ref h) =>
        {
            h.Calls++;
            handle.Remove(h.Token!.Value);
            // Still usable until the callback returns: the removal is pending.
            Assert.That(handle.SourceCount, Is.EqualTo(1));
        });
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref holder);
        Assert.That(holder.Calls, Is.EqualTo(1));
        Assert.That(handle.SourceCount, Is.Zero);
        Assert.Throws<ArgumentException>(() => handle.Enable(holder.Token!.Value));

        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref holder);
        Assert.That(holder.Calls, Is.EqualTo(1));
    }

    [Test]
    public void ASlotReusedInsideACallbackIsNotHitByTheOldSourcesAction()
    {
        // The timer removes itself, inserts an immediate timer (which may take the freed slot), then returns Drop:
        // the Drop must apply to the old timer only, and the new one must still fire.
        using var loop = new EventLoop<Holder>();
        LoopHandle<Holder> handle = loop.Handle;
        var holder = new Holder();
        holder.Token = handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref h) =>
        {
            handle.Remove(h.Token!.Value);
            handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref h2) =>
            {
                h2.Calls += 100;
                return TimeoutAction.Drop;
            });
            h.Calls++;
            return TimeoutAction.Drop;
        });
        loop.Dispatch(TimeSpan.Zero, ref holder);
        loop.Dispatch(TimeSpan.Zero, ref holder);
        Assert.That(holder.Calls, Is.EqualTo(101));
        Assert.That(handle.SourceCount, Is.Zero);
    }

    [Test]
    public void RemovingAnotherSourceFromACallbackDropsItsPendingEventsOfTheBatch()
    {
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        RegistrationToken second = default;
        handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref n) =>
        {
            n += 1;
            handle.Remove(second);
            return TimeoutAction.Drop;
        });
        second = handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref n) =>
        {
            n += 100;
            return TimeoutAction.Drop;
        });
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(1));
    }

    [Test]
    public void DisableFromItsOwnCallbackIsAppliedWhenItReturnsContinue()
    {
        using var loop = new EventLoop<Holder>();
        var (ping, source) = Ping.Create();
        using var _ = ping;
        LoopHandle<Holder> handle = loop.Handle;
        var holder = new Holder();
        holder.Token = handle.InsertSource(source, (_, ref _, ref h) =>
        {
            h.Calls++;
            handle.Disable(h.Token!.Value);
        });
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref holder);
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref holder);
        Assert.That(holder.Calls, Is.EqualTo(1));
        handle.Enable(holder.Token!.Value);
        loop.Dispatch(TimeSpan.Zero, ref holder);
        Assert.That(holder.Calls, Is.EqualTo(2));
    }

    [Test]
    public void InsertingTheSameFdTwiceFailsAndKeepsTheFirst()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), (_, ref fd, ref n) =>
        {
            n++;
            Fds.Drain(fd);
            return PostAction.Continue;
        });
        var second = Generic.From(new FileDescriptor(Fds.FdOf(a)), Interest.Readable, Mode.Level);
        var e = Assert.Throws<CalloopException>(() => loop.Handle.InsertSource(second, (_, ref _, ref _) => PostAction.Continue));
        Assert.That(e!.Message, Does.Contain("EEXIST"));
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));

        Fds.Write(peer, "x"u8);
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1), "the first registration must survive the failed second one");
    }

    [Test]
    public void RemoveThenReinsertReceivesDataWrittenMeanwhile()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var rx = a;
        using var tx = b;
        EventCallback<Readiness, OwnedFd, int, PostAction> read = (_, ref fd, ref n) =>
        {
            n += Fds.Drain(fd);
            return PostAction.Continue;
        };
        RegistrationToken token = loop.Handle.InsertSource(Generic.From(rx, Interest.Readable, Mode.Level, leaveOpen: true), read);
        int bytes = 0;
        loop.Dispatch(TimeSpan.Zero, ref bytes);
        Assert.That(bytes, Is.Zero);

        loop.Handle.Remove(token);
        Fds.Write(tx, [1, 2, 3, 4, 5, 6]);
        loop.Dispatch(TimeSpan.Zero, ref bytes);
        Assert.That(bytes, Is.Zero);

        loop.Handle.InsertSource(Generic.From(rx, Interest.Readable, Mode.Level, leaveOpen: true), read);
        loop.Dispatch(TimeSpan.Zero, ref bytes);
        Assert.That(bytes, Is.EqualTo(6));
    }

    [Test]
    public void CallsFromAnotherThreadAreRejected()
    {
        using var loop = new EventLoop<int>();
        Exception? caught = null;
        var thread = new Thread(() =>
        {
            try
            {
                loop.Handle.InsertIdle((ref _) => { });
            }
            catch (Exception e)
            {
                caught = e;
            }
        });
        thread.Start();
        thread.Join();
        Assert.That(caught, Is.TypeOf<InvalidOperationException>());
        Assert.That(caught!.Message, Does.Contain("InsertIdle").And.Contain("thread"));
    }

    [Test]
    public void DispatchCannotBeReenteredFromACallback()
    {
        using var loop = new EventLoop<int>();
        EventLoop<int> self = loop;
        Exception? caught = null;
        loop.Handle.InsertIdle((ref n) =>
        {
            try
            {
                self.Dispatch(TimeSpan.Zero, ref n);
            }
            catch (InvalidOperationException e)
            {
                caught = e;
            }
        });
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(caught, Is.Not.Null);
        Assert.That(caught!.Message, Does.Contain("re-entrant"));
    }

    [Test]
    public void UseAfterDisposeThrowsAndDisposeTwiceIsHarmless()
    {
        var loop = new EventLoop<int>();
        loop.Dispose();
        loop.Dispose();
        int data = 0;
        Assert.Throws<ObjectDisposedException>(() => loop.Dispatch(TimeSpan.Zero, ref data));
        Assert.Throws<ObjectDisposedException>(() => loop.Handle.InsertIdle((ref _) => { }));
    }

    [Test]
    public void NoDescriptorIsLeftOpenAfterALoopWithSourcesIsDisposed()
    {
        // Warm up whatever the runtime opens lazily (for example on first P/Invoke).
        using (var warm = new EventLoop<int>())
        {
            var (p, s) = Ping.Create();
            warm.Handle.InsertSource(s, (_, ref _, ref _) => { });
            p.Dispose();
        }
        int before = Fds.OpenCountBefore();
        var loop = new EventLoop<int>();
        var (ping, source) = Ping.Create();
        loop.Handle.InsertSource(source, (_, ref _, ref _) => { });
        var (a, b) = Fds.SocketPair();
        loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), (_, ref _, ref _) => PostAction.Continue);
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(Fds.OpenCount(), Is.GreaterThan(before));

        loop.Dispose();
        ping.Dispose();
        b.Dispose();
        Assert.That(Fds.OpenCount(), Is.EqualTo(before));
    }
}
