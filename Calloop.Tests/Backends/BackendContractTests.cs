using System;
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
}
