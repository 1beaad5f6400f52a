using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Calloop.Polling;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Backends;

/// <summary>
/// What only the io_uring backend does: its availability check and fallback, the zero-timeout wait without a system
/// call, stale completions, the timeout request of older kernels, a full submission ring and nesting. Where io_uring
/// is not available, each test asserts the clean refusal instead.
/// </summary>
public class IoUringTests
{
    private static readonly Lazy<bool> s_supported = new(IoUringBackend.IsSupported);

    /// <summary>Backend.IoUring where this machine has it, otherwise Backend.Epoll (the refusal is tested below).</summary>
    internal static Backend Available => s_supported.Value ? Backend.IoUring : Backend.Epoll;

    /// <summary>True when io_uring can be used here; otherwise asserts that asking for it is refused clearly.</summary>
    internal static bool Supported()
    {
        if (s_supported.Value)
        {
            return true;
        }
        var e = Assert.Throws<PlatformNotSupportedException>(() => new EventLoop<int>(new EventLoopOptions { Backend = Backend.IoUring }));
        Assert.That(e!.Message, Does.Contain("io_uring").And.Contain("Backend.IoUringOrEpoll"));
        return false;
    }

    private static readonly Token T1 = new(1, 1, 0);
    private static readonly Token T2 = new(2, 1, 0);

    [Test]
    public unsafe void TheRingStructuresHaveTheKernelsLayout()
    {
        Assert.That(sizeof(Interop.IoUring.Sqe), Is.EqualTo(64));
        Assert.That(sizeof(Interop.IoUring.Cqe), Is.EqualTo(16));
        Assert.That(sizeof(Interop.IoUring.SqRingOffsets), Is.EqualTo(40));
        Assert.That(sizeof(Interop.IoUring.CqRingOffsets), Is.EqualTo(40));
        Assert.That(sizeof(Interop.IoUring.Params), Is.EqualTo(120));
        Assert.That(sizeof(Interop.IoUring.GeteventsArg), Is.EqualTo(24));
        Interop.IoUring.Sqe sqe = default;
        byte* b = (byte*)&sqe;
        Assert.That((byte*)&sqe.Fd - b, Is.EqualTo(4));
        Assert.That((byte*)&sqe.Addr - b, Is.EqualTo(16));
        Assert.That((byte*)&sqe.Len - b, Is.EqualTo(24));
        Assert.That((byte*)&sqe.OpFlags - b, Is.EqualTo(28));
        Assert.That((byte*)&sqe.UserData - b, Is.EqualTo(32));
        Interop.IoUring.Params p = default;
        Assert.That((byte*)&p.SqOff - (byte*)&p, Is.EqualTo(40));
        Assert.That((byte*)&p.CqOff - (byte*)&p, Is.EqualTo(80));
    }

    [Test]
    public void IoUringOrEpollAlwaysGivesAWorkingLoop()
    {
        using var loop = new EventLoop<int>(new EventLoopOptions { Backend = Backend.IoUringOrEpoll });
        var (ping, source) = Ping.Create();
        using var _ = ping;
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        ping.Send();
        int calls = 0;
        Waits.DispatchUntil(loop, ref calls, () => calls == 1, "the ping was delivered");
        Assert.That(loop.PollFd, Is.GreaterThan(0), "io_uring and epoll both have a descriptor to nest the loop");
    }

    [Test]
    public void ExplicitIoUringIsEitherUsedOrRefusedClearly()
    {
        if (!Supported())
        {
            return;
        }
        using var loop = new EventLoop<int>(new EventLoopOptions { Backend = Backend.IoUring });
        Assert.That(System.IO.File.ReadAllText($"/proc/self/fdinfo/{loop.PollFd}"), Does.Contain("SqMask"), "the loop's descriptor is an io_uring");
    }

    [Test]
    public void AZeroTimeoutWaitWithNothingPendingMakesNoSystemCall()
    {
        if (!Supported())
        {
            return;
        }
        using var backend = new IoUringBackend();
        var (a, b) = Fds.SocketPair();
        using var _a = a;
        using var _b = b;
        backend.Add(Fds.FdOf(a), Interest.Readable, Mode.Level, T1);
        Span<PollEvent> events = stackalloc PollEvent[8];
        Assert.That(backend.Wait(events, 0), Is.Zero);
        long calls = backend.EnterCalls;
        Assert.That(calls, Is.EqualTo(1), "the first wait submitted the poll request");
        for (int i = 0; i < 100; i++)
        {
            Assert.That(backend.Wait(events, 0), Is.Zero);
        }
        Assert.That(backend.EnterCalls, Is.EqualTo(calls), "an empty completion ring and nothing to submit: no io_uring_enter");

        Fds.Write(b, "x"u8);
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1), "the completion is taken from the ring");
        Assert.That(events[0].Token, Is.EqualTo(T1));
        Assert.That(events[0].Readiness.HasFlag(Readiness.Readable), Is.True);
        Assert.That(backend.EnterCalls, Is.EqualTo(calls), "a completion already in the ring needs no system call either");
    }

    [Test]
    public void ACompletionForADeletedRegistrationNeverReachesItsSlotsNextOwner()
    {
        if (!Supported())
        {
            return;
        }
        using var backend = new IoUringBackend();
        var (a, aPeer) = Fds.SocketPair();
        var (c, cPeer) = Fds.SocketPair();
        using var _a = a;
        using var _ap = aPeer;
        using var _c = c;
        using var _cp = cPeer;
        Span<PollEvent> events = stackalloc PollEvent[8];
        backend.Add(Fds.FdOf(a), Interest.Readable, Mode.Level, T1);
        Assert.That(backend.Wait(events, 0), Is.Zero, "armed, nothing to read");
        Fds.Write(aPeer, "x"u8); // the completion is now in the ring, not yet taken
        backend.Delete(Fds.FdOf(a));
        backend.Add(Fds.FdOf(c), Interest.Readable, Mode.Level, T2); // reuses the freed slot
        Assert.That(backend.Wait(events, 0), Is.Zero, "the old registration's completion is dropped, not reported for the new one");
        Fds.Write(cPeer, "y"u8);
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1));
        Assert.That(events[0].Token, Is.EqualTo(T2));
    }

    [Test]
    public void AModifiedRegistrationReportsOnlyItsNewToken()
    {
        if (!Supported())
        {
            return;
        }
        using var backend = new IoUringBackend();
        var (a, peer) = Fds.SocketPair();
        using var _a = a;
        using var _p = peer;
        Span<PollEvent> events = stackalloc PollEvent[8];
        backend.Add(Fds.FdOf(a), Interest.Readable, Mode.Level, T1);
        Assert.That(backend.Wait(events, 0), Is.Zero);
        Fds.Write(peer, "x"u8);
        backend.Modify(Fds.FdOf(a), Interest.Readable, Mode.Level, T2);
        int n = backend.Wait(events, 0);
        Assert.That(n, Is.EqualTo(1), "one event, from the new request");
        Assert.That(events[0].Token, Is.EqualTo(T2));
    }

    [Test]
    public void WithoutExtendedArgumentsATimeoutRequestBoundsTheWait([Values(true, false)] bool extArg)
    {
        if (!Supported())
        {
            return;
        }
        using var backend = new IoUringBackend(useExtArg: extArg);
        var (a, peer) = Fds.SocketPair();
        using var _a = a;
        using var _p = peer;
        backend.Add(Fds.FdOf(a), Interest.Readable, Mode.Level, T1);
        Span<PollEvent> events = stackalloc PollEvent[8];
        var clock = Stopwatch.StartNew();
        int n = backend.Wait(events, 30_000_000);
        Assert.That(n, Is.Zero);
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(29)), "the wait lasted its timeout");
        Assert.That(clock.Elapsed, Is.LessThan(Waits.Patience), "and ended");

        Fds.Write(peer, "x"u8);
        clock.Restart();
        n = backend.Wait(events, (long)Waits.Patience.TotalNanoseconds);
        Assert.That(n, Is.EqualTo(1));
        Assert.That(events[0].Token, Is.EqualTo(T1));
        Assert.That(clock.Elapsed, Is.LessThan(Waits.Patience / 2), "a ready descriptor ends the wait at once");
    }

    [TestCase(1_000L, 50_000L, 51_000L, TestName = "a 1 µs wait gets the thread's 50 µs slack")]
    [TestCase(30_000_000L, 50_000L, 30_050_000L, TestName = "30 ms: 0.1 % is less than the slack")]
    [TestCase(200_000_000L, 50_000L, 200_200_000L, TestName = "200 ms: 0.1 % (200 µs) is more than the slack")]
    [TestCase(1_000_000_000_000L, 50_000L, 1_000_100_000_000L, TestName = "1000 s: at most 100 ms")]
    [TestCase(5_000L, 1L, 5_005L, TestName = "a thread that asked for 1 ns still gets 0.1 %")]
    [TestCase(5_000L, 0L, 5_000L, TestName = "a real-time thread (slack 0) waits exactly")]
    [TestCase(long.MaxValue - 10, 50_000L, long.MaxValue, TestName = "the longest wait does not overflow")]
    public void ATimedWaitGetsTheSlackTheKernelGivesEpoll(long timeoutNs, long threadSlackNs, long expected)
    {
        // Never shorter than asked (timers never fire early), and as long as a timed epoll_wait may take.
        Assert.That(IoUringBackend.WithEpollSlack(timeoutNs, threadSlackNs), Is.EqualTo(expected));
    }

    [Test]
    public void MoreRegistrationsThanTheSubmissionRingHoldsAreAllArmed()
    {
        if (!Supported())
        {
            return;
        }
        using var backend = new IoUringBackend();
        var pipes = new List<(OwnedFd Read, OwnedFd Write)>();
        try
        {
            for (int i = 0; i < 600; i++)
            {
                var p = Fds.Pipe();
                pipes.Add(p);
                backend.Add(Fds.FdOf(p.Read), Interest.Readable, Mode.Level, new Token(i + 1, 1, 0));
                Fds.Write(p.Write, "x"u8);
            }
            var seen = new HashSet<int>();
            var events = new PollEvent[1024];
            for (int round = 0; round < 3 && seen.Count < pipes.Count; round++)
            {
                int n = backend.Wait(events, 0);
                for (int i = 0; i < n; i++)
                {
                    seen.Add(events[i].Token.Slot);
                }
            }
            Assert.That(seen, Has.Count.EqualTo(600), "every registration was submitted, 256 at a time");
        }
        finally
        {
            foreach (var (r, w) in pipes)
            {
                r.Dispose();
                w.Dispose();
            }
        }
    }

    [Test]
    public void EdgeModeIsOneMultishotRequestReportingEachArrival()
    {
        if (!Supported())
        {
            return;
        }
        using var backend = new IoUringBackend();
        var (a, peer) = Fds.SocketPair();
        using var _a = a;
        using var _p = peer;
        Span<PollEvent> events = stackalloc PollEvent[8];
        backend.Add(Fds.FdOf(a), Interest.Readable, Mode.Edge, T1);
        Assert.That(backend.Wait(events, 0), Is.Zero);
        long calls = backend.EnterCalls;
        for (int i = 0; i < 5; i++)
        {
            Fds.Write(peer, "x"u8);
            Assert.That(backend.Wait(events, 0), Is.EqualTo(1), $"arrival {i}");
            Assert.That(backend.Wait(events, 0), Is.Zero, "reported once");
        }
        Assert.That(backend.EnterCalls, Is.EqualTo(calls), "the multishot request stays armed: nothing to submit");
    }

    [Test]
    public void AnEdgeRegistrationKeepsReportingWhenCompletionsOverflow()
    {
        if (!Supported())
        {
            return;
        }
        // Small rings: 40 ready level registrations overflow a 16-entry completion ring, and a multishot request that
        // cannot post its completion may be ended by the kernel (a completion without IORING_CQE_F_MORE), which the
        // backend must arm again.
        using var backend = new IoUringBackend(sqEntries: 8, cqEntries: 16);
        var (a, peer) = Fds.SocketPair();
        using var _a = a;
        using var _p = peer;
        var pipes = new List<(OwnedFd Read, OwnedFd Write)>();
        try
        {
            backend.Add(Fds.FdOf(a), Interest.Readable, Mode.Edge, T1);
            for (int i = 0; i < 40; i++)
            {
                var p = Fds.Pipe();
                pipes.Add(p);
                Fds.Write(p.Write, "x"u8);
                backend.Add(Fds.FdOf(p.Read), Interest.Readable, Mode.OneShot, new Token(i + 10, 1, 0));
            }
            var events = new PollEvent[64];
            Assert.That(backend.Wait(events, 0), Is.GreaterThan(0), "the one-shot registrations are ready");
            Fds.Write(peer, "1"u8);
            var seen = new HashSet<int>();
            bool edge = false;
            for (int round = 0; round < 10 && !(edge && seen.Count == 40); round++)
            {
                int n = backend.Wait(events, 0);
                for (int i = 0; i < n; i++)
                {
                    if (events[i].Token == T1)
                    {
                        edge = true;
                    }
                    else
                    {
                        seen.Add(events[i].Token.Slot);
                    }
                }
            }
            Assert.That(edge, Is.True, "the arrival was reported through the overflow");
            Fds.Write(peer, "2"u8);
            int reports = 0;
            for (int round = 0; round < 3; round++)
            {
                int n = backend.Wait(events, 0);
                for (int i = 0; i < n; i++)
                {
                    reports += events[i].Token == T1 ? 1 : 0;
                }
            }
            Assert.That(reports, Is.EqualTo(1), "the next arrival is reported too, once");
        }
        finally
        {
            foreach (var (r, w) in pipes)
            {
                r.Dispose();
                w.Dispose();
            }
        }
    }

    [Test]
    public void ALevelSourceOfANestedIoUringLoopKeepsWakingTheOuterLoop([Values(Backend.Epoll, Backend.IoUring)] Backend outerBackend)
    {
        if (!Supported())
        {
            return;
        }
        var inner = new EventLoop<int>(new EventLoopOptions { Backend = Backend.IoUring });
        var (a, peer) = Fds.SocketPair();
        using var _a = a;
        using var _p = peer;
        int reads = 0;
        inner.Handle.InsertSource(Generic.From(new FileDescriptor(Fds.FdOf(a)), Interest.Readable, Mode.Level), (_, ref fd, ref _) =>
        {
            // Reads one byte per event: the rest stays readable, so level mode must report it again.
            Span<byte> one = stackalloc byte[1];
            if (Fds.Read(a, one) == 1)
            {
                reads++;
            }
            return PostAction.Continue;
        });
        using var outer = new EventLoop<int>(new EventLoopOptions { Backend = outerBackend });
        var nested = new NestedLoopSource<int>(inner, 0);
        outer.Handle.InsertSource(nested, (_, ref _, ref _) => { });
        int data = 0;
        outer.Dispatch(TimeSpan.Zero, ref data);
        Fds.Write(peer, "abc"u8);
        Waits.DispatchUntil(outer, ref data, () => reads == 3, TimeSpan.FromSeconds(10), "each byte was read through the nested loop");
        Assert.That(reads, Is.EqualTo(3));
    }

    [Test]
    public void DisposingLoopsLeaksNoDescriptorsOrMappings()
    {
        if (!Supported())
        {
            return;
        }
        static int Maps() => System.IO.File.ReadAllLines("/proc/self/maps").Length;
        new EventLoop<int>(new EventLoopOptions { Backend = Backend.IoUring }).Dispose();
        // Descriptors other tests left to finalizers are closed first, so that they do not move the count.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        int fds = Fds.OpenCount();
        int maps = Maps();
        for (int i = 0; i < 20; i++)
        {
            new EventLoop<int>(new EventLoopOptions { Backend = Backend.IoUring }).Dispose();
        }
        Assert.That(Fds.OpenCount(), Is.EqualTo(fds));
        Assert.That(Maps(), Is.LessThan(maps + 10), "the rings are unmapped (20 loops map 40 regions)");
    }

    [Test]
    public void BlockingDispatchesAllocateNothing()
    {
        if (!Supported())
        {
            return;
        }
        using var loop = new EventLoop<int>(new EventLoopOptions { Backend = Backend.IoUring });
        var (ping, source) = Ping.Create();
        using var _ = ping;
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        int calls = 0;
        long bytes = Alloc.Measure(1000, () =>
        {
            ping.Send();
            loop.Dispatch(Waits.Patience, ref calls);
        });
        Assert.That(bytes, Is.Zero);
        Assert.That(calls, Is.EqualTo(Alloc.LastRuns));
    }

    [Test]
    public void TwoArrivalsOnAnEdgeRegistrationBeforeOneWaitAreOneEvent()
    {
        if (!Supported())
        {
            return;
        }
        using var backend = new IoUringBackend();
        var (a, peer) = Fds.SocketPair();
        using var _a = a;
        using var _p = peer;
        Span<PollEvent> events = stackalloc PollEvent[8];
        backend.Add(Fds.FdOf(a), Interest.Readable, Mode.Edge, T1);
        Assert.That(backend.Wait(events, 0), Is.Zero);
        Fds.Write(peer, "x"u8);
        Fds.Write(peer, "y"u8);
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1), "both completions of the multishot request merged, as epoll reports one event");
        Assert.That(events[0].Token, Is.EqualTo(T1));
        Assert.That(events[0].Readiness, Is.EqualTo(Readiness.Readable));
        Assert.That(backend.Wait(events, 0), Is.Zero);
    }

    [Test]
    public void AWaitWithoutATimeoutReturnsTheReadyDescriptor()
    {
        if (!Supported())
        {
            return;
        }
        using var backend = new IoUringBackend();
        var (a, peer) = Fds.SocketPair();
        using var _a = a;
        using var _p = peer;
        Span<PollEvent> events = stackalloc PollEvent[8];
        backend.Add(Fds.FdOf(a), Interest.Readable, Mode.Level, T1);
        Fds.Write(peer, "x"u8);
        Assert.That(backend.Wait(events, -1), Is.EqualTo(1), "ready before the wait: a wait without a limit returns it");
        Assert.That(events[0].Token, Is.EqualTo(T1));
    }

    [Test]
    public void SlotsFreedByManyDeletionsAreReusedAndEveryRegistrationStillReports()
    {
        if (!Supported())
        {
            return;
        }
        using var backend = new IoUringBackend();
        var pairs = new List<(OwnedFd A, OwnedFd B)>();
        try
        {
            for (int i = 0; i < 40; i++)
            {
                pairs.Add(Fds.SocketPair());
            }
            for (int i = 0; i < pairs.Count; i++)
            {
                backend.Add(Fds.FdOf(pairs[i].A), Interest.Readable, Mode.Level, new Token(i + 1, 1, 0));
            }
            foreach (var (a, _) in pairs)
            {
                backend.Delete(Fds.FdOf(a)); // more freed slots than the free list first holds
            }
            for (int i = 0; i < pairs.Count; i++)
            {
                backend.Add(Fds.FdOf(pairs[i].A), Interest.Readable, Mode.Level, new Token(i + 1, 2, 0));
                Fds.Write(pairs[i].B, "x"u8);
            }
            var seen = new HashSet<Token>();
            var events = new PollEvent[64];
            for (int round = 0; round < 5 && seen.Count < pairs.Count; round++)
            {
                int n = backend.Wait(events, 1_000_000_000);
                for (int k = 0; k < n; k++)
                {
                    seen.Add(events[k].Token);
                }
            }
            Assert.That(seen, Has.Count.EqualTo(pairs.Count), "every re-added registration reports under its new token");
            Assert.That(seen.All(t => t.Version == 2), Is.True, "no event under a deleted registration's token");
        }
        finally
        {
            foreach (var (a, b) in pairs)
            {
                a.Dispose();
                b.Dispose();
            }
        }
    }
}
