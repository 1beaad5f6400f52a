using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Backends;

/// <summary>The behaviour every backend must have, run against each one available on Linux.</summary>
[TestFixture(Backend.Epoll)]
[TestFixture(Backend.Poll)]
[TestFixture(Backend.IoUring)]
public class BackendContractTests(Backend backend)
{
    private EventLoop<int> NewLoop() => new(new EventLoopOptions { Backend = backend == Backend.IoUring ? IoUringTests.Available : backend });

    private static EventCallback<Readiness, OwnedFd, int, PostAction> Count(bool drain) => (_, ref fd, ref n) =>
    {
        n++;
        if (drain)
        {
            Fds.Drain(fd);
        }
        return PostAction.Continue;
    };

    [Test]
    public void LevelReadinessIsReportedWhileDataIsThere()
    {
        using var loop = NewLoop();
        var (a, b) = Fds.SocketPair();
        using var tx = b;
        loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), Count(drain: false));
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.Zero);
        Fds.Write(tx, "x"u8);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(2), "level: reported at every dispatch until drained");
    }

    [Test]
    public void WritableAndInterestChanges()
    {
        using var loop = NewLoop();
        var (a, b) = Fds.SocketPair();
        using var tx = b;
        var generic = Generic.From(a, Interest.Writable, Mode.Level);
        Readiness seen = Readiness.None;
        RegistrationToken token = loop.Handle.InsertSource(generic, (r, ref _, ref n) =>
        {
            seen = r;
            n++;
            return PostAction.Continue;
        });
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(seen.HasFlag(Readiness.Writable), Is.True);

        generic.Interest = Interest.Readable;
        loop.Handle.Update(token);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1), "nothing to read");
    }

    [Test]
    public void OneShotReportsOnceUntilUpdated()
    {
        using var loop = NewLoop();
        var (a, b) = Fds.SocketPair();
        using var tx = b;
        RegistrationToken token = loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.OneShot), Count(drain: false));
        Fds.Write(tx, "x"u8);
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        loop.Handle.Update(token);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(2));
    }

    [Test]
    public void DisableAndEnable()
    {
        using var loop = NewLoop();
        var (a, b) = Fds.SocketPair();
        using var tx = b;
        RegistrationToken token = loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), Count(drain: true));
        loop.Handle.Disable(token);
        Fds.Write(tx, "x"u8);
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.Zero);
        loop.Handle.Enable(token);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
    }

    [Test]
    public void BadDescriptorsAreRefusedClearly()
    {
        using var loop = NewLoop();
        var e = Assert.Throws<CalloopException>(() => loop.Handle.InsertSource(Generic.From(new FileDescriptor(4242), Interest.Readable, Mode.Level), (_, ref _, ref _) => PostAction.Continue));
        Assert.That(e!.Errno, Is.EqualTo(9));
        Assert.That(e.Message, Does.Contain("fd 4242").And.Contain("EBADF"));

        var (a, b) = Fds.SocketPair();
        using var _b = b;
        loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), Count(drain: true));
        var dup = Assert.Throws<CalloopException>(() => loop.Handle.InsertSource(Generic.From(new FileDescriptor(Fds.FdOf(a)), Interest.Readable, Mode.Level), (_, ref _, ref _) => PostAction.Continue));
        Assert.That(dup!.Errno, Is.EqualTo(17));
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
    }

    [Test]
    public void EdgeModeIsReportedOncePerArrivalOrRefused()
    {
        using var loop = NewLoop();
        var (a, b) = Fds.SocketPair();
        using var tx = b;
        var source = Generic.From(a, Interest.Readable, Mode.Edge);
        if (backend == Backend.Poll)
        {
            var e = Assert.Throws<NotSupportedException>(() => loop.Handle.InsertSource(source, Count(drain: false)));
            Assert.That(e!.Message, Does.Contain("Mode.Edge"));
            source.Dispose();
            return;
        }
        loop.Handle.InsertSource(source, Count(drain: false));
        Fds.Write(tx, "x"u8);
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        Fds.Write(tx, "y"u8);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(2));
    }

    [Test]
    public void TimersWaitAndNeverFireEarly()
    {
        using var loop = NewLoop();
        var timer = TimerSource.FromDuration(TimeSpan.FromMilliseconds(20));
        Instant deadline = timer.Deadline;
        Instant fired = default;
        loop.Handle.InsertSource(timer, (_, ref _, ref n) =>
        {
            fired = Instant.Now;
            n++;
            return TimeoutAction.Drop;
        });
        int calls = 0;
        Waits.DispatchBlocking(loop, ref calls, "the timer ended the wait");
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(fired, Is.GreaterThanOrEqualTo(deadline));
    }

    [Test]
    public void WakeupFromAnotherThreadEndsABlockingDispatch()
    {
        using var loop = NewLoop();
        LoopSignal signal = loop.Signal;
        int tid = LoopThread.CurrentTid();
        bool sawItBlocked = false;
        Thread thread = Waits.Start(() =>
        {
            sawItBlocked = SpinWait.SpinUntil(() => LoopThread.IsBlockedInWait(tid), TimeSpan.FromSeconds(10));
            signal.Wakeup();
        });
        int data = 0;
        // The wake-up under test is the watchdog's own mechanism too, so bound this wait by a timeout instead.
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        loop.Dispatch(Waits.Patience, ref data);
        TimeSpan blocked = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Waits.Join(thread, "the waking thread ended");
        Assert.That(sawItBlocked, Is.True, "the wake-up came while the loop was blocked in its wait");
        Assert.That(blocked, Is.LessThan(Waits.Patience / 2), "the wake-up ended the wait");
    }

    [Test]
    public void PingsCoalesceAndCloseTheSource()
    {
        using var loop = NewLoop();
        var (ping, source) = Ping.Create();
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        ping.Send();
        ping.Send();
        ping.Dispose();
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void DispatchingReadinessAllocatesNothing()
    {
        using var loop = NewLoop();
        var (a, b) = Fds.SocketPair();
        using var tx = b;
        loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), Count(drain: true));
        int calls = 0;
        long bytes = Alloc.Measure(1000, () =>
        {
            Fds.Write(tx, "x"u8);
            loop.Dispatch(TimeSpan.Zero, ref calls);
        });
        Assert.That(bytes, Is.Zero);
        Assert.That(calls, Is.EqualTo(Alloc.LastRuns));
    }

    /// <summary>A custom source that registers its descriptor through the <see cref="SafeHandle"/> overloads of <see cref="Poll"/>.</summary>
    private sealed class HandleSource(SafeHandle handle) : IEventSource<Readiness, Unit, Unit>
    {
        private Token _token;

        public Poll? Poll { get; private set; }

        public void Register(Poll poll, ref TokenFactory tokenFactory)
        {
            Poll = poll;
            _token = tokenFactory.NextToken();
            poll.Register(handle, Interest.Readable, Mode.Level, _token);
        }

        public void Reregister(Poll poll, ref TokenFactory tokenFactory)
        {
            _token = tokenFactory.NextToken();
            poll.Reregister(handle, Interest.Readable, Mode.Level, _token);
        }

        public void Unregister(Poll poll) => poll.Unregister(handle);

        public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
            where TCallback : IEventCallback<Readiness, Unit, Unit>, allows ref struct
        {
            if (token == _token)
            {
                Unit metadata = default;
                callback.Invoke(readiness, ref metadata);
            }
            return PostAction.Continue;
        }
    }

    [Test]
    public void ASourceRegisteringThroughSafeHandlesIsWatchedUpdatedAndUnregistered()
    {
        var (a, b) = Fds.SocketPair();
        using var rx = a; // disposed after the loop, which unregisters the source through it
        using var tx = b;
        using var loop = NewLoop();
        var source = new HandleSource(rx);
        RegistrationToken token = loop.Handle.InsertSource(source, (_, ref _, ref n) => { n++; Fds.Drain(rx); });
        int calls = 0;
        Fds.Write(tx, "1"u8);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));

        loop.Handle.Update(token);
        Fds.Write(tx, "2"u8);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(2), "reported under the token of the update");

        loop.Handle.Remove(token);
        Fds.Write(tx, "3"u8);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(2), "no longer watched");
        loop.Handle.InsertSource(new HandleSource(rx), (_, ref _, ref n) => { n += 10; Fds.Drain(rx); });
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(12), "the descriptor was unregistered, so it can be registered again");
    }

    [Test]
    public void ChangingOrRemovingADescriptorThatIsNotRegisteredFailsWithEnoentAndLeavesTheLoopWorking()
    {
        var (a, b) = Fds.SocketPair();
        using var rx = a; // disposed after the loop, which unregisters the source through it
        using var tx = b;
        using var loop = NewLoop();
        var source = new HandleSource(rx);
        loop.Handle.InsertSource(source, (_, ref _, ref n) => { n++; Fds.Drain(rx); });
        Poll poll = source.Poll!;
        var (c, d) = Fds.SocketPair();
        using var other = c;
        using var otherPeer = d;
        int fd = Fds.FdOf(other);

        var modify = Assert.Throws<CalloopException>(() => poll.Reregister(other, Interest.Readable, Mode.Level, new Token(99)));
        Assert.That(modify!.Errno, Is.EqualTo(2));
        Assert.That(modify.FileDescriptor, Is.EqualTo(fd));
        Assert.That(modify.Message, Does.Contain($"fd {fd}: ENOENT"));
        var remove = Assert.Throws<CalloopException>(() => poll.Unregister(fd));
        Assert.That(remove!.Errno, Is.EqualTo(2));
        Assert.That(remove.Message, Does.Contain($"fd {fd}: ENOENT"));

        int calls = 0;
        Fds.Write(tx, "x"u8);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1), "the registered source is still watched");
    }

    [Test]
    public void AClosedOrNullHandleIsRefusedBeforeTheKernelSeesIt()
    {
        var (a, b) = Fds.SocketPair();
        using var rx = a; // disposed after the loop, which unregisters the source through it
        using var tx = b;
        using var loop = NewLoop();
        var source = new HandleSource(rx);
        loop.Handle.InsertSource(source, (_, ref _, ref _) => { });
        Poll poll = source.Poll!;
        var (c, d) = Fds.SocketPair();
        d.Dispose();
        c.Dispose();
        Assert.Throws<ObjectDisposedException>(() => poll.Register(c, Interest.Readable, Mode.Level, new Token(7)));
        Assert.Throws<ArgumentNullException>(() => poll.Unregister((SafeHandle)null!));
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
    }

    [Test]
    public void APipeWhoseReaderIsGoneReportsAnErrorToItsWriter()
    {
        using var loop = NewLoop();
        var (r, w) = Fds.Pipe();
        var readiness = new List<Readiness>();
        loop.Handle.InsertSource(Generic.From(w, Interest.Writable, Mode.Level), (rd, ref _, ref _) =>
        {
            readiness.Add(rd);
            return PostAction.Continue;
        });
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(readiness, Is.EqualTo(new[] { Readiness.Writable }));

        r.Dispose();
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(readiness, Has.Count.EqualTo(2));
        Assert.That(readiness[1].HasFlag(Readiness.Error), Is.True, $"reported {readiness[1]}");
    }

    [Test]
    public void WithMoreReadyDescriptorsThanOneWaitReturnsEachIsReportedInTurn()
    {
        using var loop = new EventLoop<HashSet<int>>(new EventLoopOptions
        {
            Backend = backend == Backend.IoUring ? IoUringTests.Available : backend,
            MaxEventsPerWait = 2,
        });
        var peers = new List<OwnedFd>();
        for (int i = 0; i < 5; i++)
        {
            var (a, b) = Fds.SocketPair();
            peers.Add(b);
            int id = i;
            loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), (_, ref _, ref seen) =>
            {
                seen.Add(id);
                return PostAction.Continue;
            });
            Fds.Write(b, "x"u8); // never drained: ready at every wait
        }
        var seen = new HashSet<int>();
        for (int round = 0; round < 3; round++)
        {
            loop.Dispatch(TimeSpan.Zero, ref seen);
        }
        Assert.That(seen, Is.EquivalentTo(new[] { 0, 1, 2, 3, 4 }), "three waits of two events reach all five descriptors");
        foreach (OwnedFd peer in peers)
        {
            peer.Dispose();
        }
    }
}
