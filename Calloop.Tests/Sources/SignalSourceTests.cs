using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using Calloop.Interop;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

[NonParallelizable]
[TestFixture(NotifierKind.EventFd)]
[TestFixture(NotifierKind.Pipe)]
public class SignalSourceTests(NotifierKind notifier) : NotifierFixture(notifier)
{
    private const PosixSignal SIGUSR1 = (PosixSignal)10;
    private const PosixSignal SIGUSR2 = (PosixSignal)12;

    // Guards keep SIGUSR1/SIGUSR2 from killing the test process when no source watches them, and tell the test
    // that the runtime has handled an arrival.
    private PosixSignalRegistration? _guard1;
    private PosixSignalRegistration? _guard2;
    private readonly SemaphoreSlim _arrived1 = new(0);
    private readonly SemaphoreSlim _arrived2 = new(0);

    [OneTimeSetUp]
    public void InstallGuards()
    {
        _guard1 = PosixSignalRegistration.Create(SIGUSR1, c =>
        {
            c.Cancel = true;
            _arrived1.Release();
        });
        _guard2 = PosixSignalRegistration.Create(SIGUSR2, c =>
        {
            c.Cancel = true;
            _arrived2.Release();
        });
    }

    [OneTimeTearDown]
    public void RemoveGuards()
    {
        _guard1?.Dispose();
        _guard2?.Dispose();
        _arrived1.Dispose();
        _arrived2.Dispose();
    }

    [SetUp]
    public void Drain()
    {
        while (_arrived1.Wait(0))
        {
        }
        while (_arrived2.Wait(0))
        {
        }
    }

    private static void Raise(PosixSignal signal) =>
        Assert.That(ProcessCalls.Kill(ProcessCalls.GetPid(), (int)signal), Is.Zero, "kill(getpid(), ...)");

    /// <summary>Dispatches until <paramref name="count"/> events arrived (bounded by a generous deadline).</summary>
    private static void DispatchUntil(EventLoop<List<int>> loop, List<int> seen, int count)
    {
        var watch = Stopwatch.StartNew();
        while (seen.Count < count && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            loop.Dispatch(TimeSpan.FromSeconds(1), ref seen);
        }
    }

    /// <summary>Raises <paramref name="ignored"/>, waits until the runtime handled it, then proves the loop got nothing.</summary>
    private static void AssertNotDelivered(EventLoop<List<int>> loop, List<int> seen, PosixSignal ignored, SemaphoreSlim arrived)
    {
        int before = seen.Count;
        Raise(ignored);
        Assert.That(arrived.Wait(TimeSpan.FromSeconds(30)), Is.True, "the runtime handled the signal");
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Has.Count.EqualTo(before));
    }

    private static RegistrationToken Insert(EventLoop<List<int>> loop, SignalSource source) =>
        loop.Handle.InsertSource(source, (evt, ref _, ref seen) => seen.Add(evt.Number));

    [Test]
    public void ASignalIsTakenOnlyWhileItsSourceIsInALoop()
    {
        using var loop = new EventLoop<List<int>>();
        var seen = new List<int>();
        var source = new SignalSource(SIGUSR1);
        Assert.That(source.Holds(SIGUSR1), Is.False, "a source that is not inserted takes nothing");

        // Raised before the insertion: nobody took it, so nothing is pending for the loop afterwards.
        Raise(SIGUSR1);
        Assert.That(_arrived1.Wait(TimeSpan.FromSeconds(30)), Is.True, "the runtime handled the signal");
        RegistrationToken token = Insert(loop, source);
        Assert.That(source.Holds(SIGUSR1), Is.True);
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Is.Empty, "a signal raised before the source was in a loop is not delivered");

        loop.Handle.Disable(token);
        Assert.That(source.Holds(SIGUSR1), Is.False, "a disabled source gives its signals back");
        loop.Handle.Enable(token);
        Assert.That(source.Holds(SIGUSR1), Is.True);
        source.Add(SIGUSR2);
        Assert.That(source.Holds(SIGUSR2), Is.True, "a signal added while in a loop is taken at once");

        loop.Handle.Remove(token);
        Assert.That(source.Holds(SIGUSR1) || source.Holds(SIGUSR2), Is.False, "removal gives every signal back");
    }

    [Test]
    public void ADisposedSourceThatWasNeverInsertedHoldsNothing()
    {
        var source = new SignalSource(SIGUSR1, SIGUSR2);
        Assert.That(source.IsWatching(SIGUSR1) && source.IsWatching(SIGUSR2), Is.True);
        source.Dispose();
        Assert.That(source.Holds(SIGUSR1) || source.Holds(SIGUSR2), Is.False);
        Assert.That(source.IsWatching(SIGUSR1), Is.False);
    }

    [Test]
    public void SigUsr1SentToTheProcessIsDeliveredOnTheLoopThread([Values(Backend.Epoll, Backend.IoUring)] Backend backend)
    {
        using var loop = new EventLoop<List<int>>(new EventLoopOptions { Backend = backend == Backend.IoUring ? Backends.IoUringTests.Available : backend });
        int loopThread = Environment.CurrentManagedThreadId;
        int callbackThread = -1;
        loop.Handle.InsertSource(new SignalSource(SIGUSR1), (evt, ref _, ref seen) =>
        {
            callbackThread = Environment.CurrentManagedThreadId;
            seen.Add(evt.Number);
            Assert.That(evt.Signal, Is.EqualTo(SIGUSR1));
        });
        var seen = new List<int>();
        Raise(SIGUSR1);
        DispatchUntil(loop, seen, 1);
        Assert.That(seen, Is.EqualTo(new[] { 10 }));
        Assert.That(callbackThread, Is.EqualTo(loopThread));
    }

    [Test]
    public void ASignalAddedWhileRegisteredIsDelivered()
    {
        using var loop = new EventLoop<List<int>>();
        var source = new SignalSource(SIGUSR1);
        Insert(loop, source);
        source.Add(SIGUSR2);
        Assert.That(source.IsWatching(SIGUSR2), Is.True);
        var seen = new List<int>();
        Raise(SIGUSR2);
        DispatchUntil(loop, seen, 1);
        Assert.That(seen, Is.EqualTo(new[] { 12 }));
    }

    [Test]
    public void ARemovedSignalIsNotDelivered()
    {
        using var loop = new EventLoop<List<int>>();
        var source = new SignalSource(SIGUSR1, SIGUSR2);
        Insert(loop, source);
        source.Remove(SIGUSR2);
        Assert.That(source.IsWatching(SIGUSR2), Is.False);
        var seen = new List<int>();
        AssertNotDelivered(loop, seen, SIGUSR2, _arrived2);
        Raise(SIGUSR1);
        DispatchUntil(loop, seen, 1);
        Assert.That(seen, Is.EqualTo(new[] { 10 }));
    }

    [Test]
    public void SetReplacesTheWatchedSet()
    {
        using var loop = new EventLoop<List<int>>();
        var source = new SignalSource(SIGUSR1);
        Insert(loop, source);
        source.Set(SIGUSR2);
        Assert.That(source.IsWatching(SIGUSR1), Is.False);
        Assert.That(source.IsWatching(SIGUSR2), Is.True);
        var seen = new List<int>();
        AssertNotDelivered(loop, seen, SIGUSR1, _arrived1);
        Raise(SIGUSR2);
        DispatchUntil(loop, seen, 1);
        Assert.That(seen, Is.EqualTo(new[] { 12 }));
    }

    [Test]
    public void SignalsThatCannotBeCaughtAreRejectedClearly()
    {
        var e = Assert.Throws<ArgumentException>(() => new SignalSource((PosixSignal)9));
        Assert.That(e!.Message, Does.Contain("SIGKILL"));
        Assert.Throws<ArgumentException>(() => new SignalSource((PosixSignal)19));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SignalSource((PosixSignal)65));
        using var source = new SignalSource();
        Assert.Throws<ArgumentOutOfRangeException>(() => source.Add((PosixSignal)0));
        // Signal 32 belongs to the C library's threads: the runtime refuses it, and the error names the signal.
        var refused = Assert.Throws<CalloopException>(() => source.Add((PosixSignal)32));
        Assert.That(refused!.Message, Does.Contain("signal 32"));
        Assert.That(source.IsWatching((PosixSignal)32), Is.False);
    }

    [Test]
    public void SignalSourcesLeakNoDescriptors()
    {
        int before = Support.Fds.OpenCount();
        for (int i = 0; i < 10; i++)
        {
            using var loop = new EventLoop<List<int>>();
            Insert(loop, new SignalSource(SIGUSR1));
        }
        Assert.That(Support.Fds.OpenCount(), Is.EqualTo(before));
    }

    [Test]
    public void AddingAWatchedSignalOrRemovingAnUnwatchedOneChangesNothing()
    {
        using var loop = new EventLoop<List<int>>();
        var source = new SignalSource(SIGUSR1);
        Assert.That(source.CancelDefaultAction, Is.True, "a watched signal's default action is suppressed by default");
        Insert(loop, source);
        source.Add(SIGUSR1);
        source.Remove(SIGUSR2);
        source.Remove((PosixSignal)0);
        Assert.That(source.IsWatching(SIGUSR1), Is.True);
        Assert.That(source.IsWatching(SIGUSR2), Is.False);
        Assert.That(source.IsWatching((PosixSignal)0), Is.False);
        Assert.That(source.Holds(SIGUSR1), Is.True);
        Assert.That(source.Holds((PosixSignal)0), Is.False, "0 names no signal");

        var seen = new List<int>();
        Raise(SIGUSR1);
        DispatchUntil(loop, seen, 1);
        Assert.That(seen, Is.EqualTo(new[] { 10 }), "delivered once");
    }

    [Test]
    public void AnUpdatedSourceKeepsDeliveringItsSignals()
    {
        using var loop = new EventLoop<List<int>>();
        var source = new SignalSource(SIGUSR1);
        RegistrationToken token = Insert(loop, source);
        loop.Handle.Update(token);
        Assert.That(source.Holds(SIGUSR1), Is.True);
        var seen = new List<int>();
        Raise(SIGUSR1);
        DispatchUntil(loop, seen, 1);
        Assert.That(seen, Is.EqualTo(new[] { 10 }));

        source.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loop.Handle.Update(token));
        Assert.Throws<ObjectDisposedException>(() => source.Add(SIGUSR2));
    }

    [Test]
    public void DisposingTwiceClosesNoDescriptorReusedInBetween()
    {
        var source = new SignalSource(SIGUSR1);
        source.Dispose();
        var (r, w) = Fds.Pipe(); // takes the lowest free numbers: those the first Dispose closed
        using (r)
        using (w)
        {
            source.Dispose();
            Assert.That(Fds.Write(w, "x"u8), Is.EqualTo(1), "the second Dispose closed nothing of someone else's");
            Assert.That(Fds.Read(r, new byte[1]), Is.EqualTo(1));
        }
    }
}
