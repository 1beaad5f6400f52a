using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using Calloop.Interop;
using Calloop.Polling;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Backends;

/// <summary>
/// The io_uring counters under attack: a ring watched by another loop stays readable while work waits inside it after
/// a cancellation, a value handed back never lands in a file that reused a closed eventfd's number, and random
/// sequences of additions, waits, takes, modifications and deletions (from one thread or with writer threads, with
/// completion rings small enough to overflow) lose no value and leave every counter working.
/// </summary>
public unsafe partial class IoUringCounterSafetyTests
{
    private static readonly Token T1 = new(1, 1, 0);
    private static readonly Token T2 = new(2, 1, 0);
    private static readonly Token T3 = new(3, 1, 0);
    private const string Op = "test counter";

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollRaw(PollFd* fds, nuint n, int timeout);

    /// <summary>What a watcher (an outer loop's poller) sees: the ring's descriptor is readable.</summary>
    private static bool Readable(int fd)
    {
        PollFd p = new() { Fd = fd, Events = 1 };
        return PollRaw(&p, 1, 0) == 1 && (p.REvents & 1) != 0;
    }

    private static void DrainEvents(IoUringBackend backend)
    {
        Span<PollEvent> events = stackalloc PollEvent[8];
        while (backend.Wait(events, 0) > 0)
        {
        }
    }

    [Test]
    public void AWatchedRingStaysReadableWhileACompletionHeldByADeletionWaits()
    {
        using IoUringBackend? backend = IoUringCounterTests.CountingBackend();
        if (backend is null)
        {
            return;
        }
        int ringFd = backend.Fd; // watched, as a nested loop's
        using var counter = new NotifyFd("test");
        var (a, peer) = Fds.SocketPair();
        using var _a = a;
        using var _p = peer;
        backend.Add(Fds.FdOf(a), Interest.Readable, Mode.Level, T2);
        backend.AddCounter(counter.ReadFd, T1);
        DrainEvents(backend);
        Assert.That(Readable(ringFd), Is.False, "quiet");
        Fds.Write(peer, "x"u8);
        backend.Delete(counter.ReadFd);
        Assert.That(backend.HeldCompletions, Is.EqualTo(1));
        Assert.That(Readable(ringFd), Is.True, "the watcher still sees the held completion");
    }

    [Test]
    public void AWatchedRingStaysReadableWhenAModificationHoldsCompletions()
    {
        using IoUringBackend? backend = IoUringCounterTests.CountingBackend();
        if (backend is null)
        {
            return;
        }
        int ringFd = backend.Fd;
        using var counter = new NotifyFd("test");
        using var other = new NotifyFd("other");
        var (a, peer) = Fds.SocketPair();
        using var _a = a;
        using var _p = peer;
        backend.Add(Fds.FdOf(a), Interest.Readable, Mode.Level, T2);
        backend.AddCounter(counter.ReadFd, T1);
        DrainEvents(backend);
        Fds.Write(peer, "x"u8);
        backend.AddCounter(other.ReadFd, T3); // posts the watcher's no-op
        backend.Modify(counter.ReadFd, Interest.Readable, Mode.Level, new Token(1, 2, 0)); // and the cancellation takes it
        Assert.That(backend.HeldCompletions, Is.EqualTo(1));
        Assert.That(Readable(ringFd), Is.True);
    }

    [Test]
    public void AWatchedRingStaysReadableForAnArmWhoseNoOpADeletionTook()
    {
        using IoUringBackend? backend = IoUringCounterTests.CountingBackend();
        if (backend is null)
        {
            return;
        }
        int ringFd = backend.Fd;
        using var counter = new NotifyFd("test");
        var (a, peer) = Fds.SocketPair();
        using var _a = a;
        using var _p = peer;
        backend.AddCounter(counter.ReadFd, T1);
        DrainEvents(backend);
        Assert.That(Readable(ringFd), Is.False);
        backend.Add(Fds.FdOf(a), Interest.Readable, Mode.Level, T2); // waits to be armed: the watcher is told
        Assert.That(Readable(ringFd), Is.True);
        backend.Delete(counter.ReadFd);
        Assert.That(backend.HeldCompletions, Is.Zero);
        Assert.That(Readable(ringFd), Is.True, "the socket's poll still waits to be armed");
    }

    [Test]
    public void AWatchedRingStaysReadableWhileMoreCompletionsAreHeldThanOneWaitTakes()
    {
        using IoUringBackend? backend = IoUringCounterTests.CountingBackend();
        if (backend is null)
        {
            return;
        }
        int ringFd = backend.Fd;
        using var counter = new NotifyFd("test");
        var pairs = new List<(OwnedFd A, OwnedFd B)>();
        try
        {
            for (int k = 0; k < 3; k++)
            {
                pairs.Add(Fds.SocketPair());
                backend.Add(Fds.FdOf(pairs[k].A), Interest.Readable, Mode.Edge, new Token(10 + k, 1, 0));
            }
            backend.AddCounter(counter.ReadFd, T1);
            DrainEvents(backend);
            foreach (var (_, b) in pairs)
            {
                Fds.Write(b, "x"u8);
            }
            backend.Delete(counter.ReadFd);
            Assert.That(backend.HeldCompletions, Is.EqualTo(3));
            Span<PollEvent> one = stackalloc PollEvent[1];
            Assert.That(backend.Wait(one, 0), Is.EqualTo(1));
            Assert.That(backend.HeldCompletions, Is.EqualTo(2));
            Assert.That(Readable(ringFd), Is.True, "two completions are still held");
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

    [Test]
    public void AnInnerLoopsPingHeldWhileAnotherPingSourceIsDisabledReachesItsCallback([Values(Backend.Epoll, Backend.IoUring)] Backend backend)
    {
        using var inner = new EventLoop<int[]>(new EventLoopOptions { Backend = backend == Backend.IoUring ? IoUringTests.Available : backend });
        var (pingA, sourceA) = Ping.Create();
        var (pingB, sourceB) = Ping.Create();
        using var _a = pingA;
        using var _b = pingB;
        RegistrationToken a = inner.Handle.InsertSource(sourceA, (_, ref _, ref d) => d[0]++);
        inner.Handle.InsertSource(sourceB, (_, ref _, ref d) => d[1]++);
        using var outer = new EventLoop<int>();
        var nested = new NestedLoopSource<int[]>(inner, new int[2]);
        outer.Handle.InsertSource(nested, (_, ref _, ref _) => { });
        int o = 0;
        outer.Dispatch(TimeSpan.Zero, ref o);
        outer.Dispatch(TimeSpan.Zero, ref o);
        pingB.Send();
        inner.Handle.Disable(a);
        Waits.DispatchUntil(outer, ref o, () => nested.Data[1] == 1, "B's ping, held while A's read was cancelled");
    }

    [Test]
    public void AValueHandedBackAfterItsEventfdWasClosedNeverReachesTheFileThatReusedItsNumber()
    {
        using IoUringBackend? backend = IoUringCounterTests.CountingBackend();
        if (backend is null)
        {
            return;
        }
        var counter = new NotifyFd("test");
        int number = counter.ReadFd;
        backend.AddCounter(number, T1);
        Span<PollEvent> events = stackalloc PollEvent[8];
        backend.Wait(events, 0); // armed
        counter.Add(5, Op); // read by the ring
        counter.Dispose(); // closed while registered
        var (a, peer) = Fds.SocketPair();
        using var _a = a;
        using var _p = peer;
        Assert.That(Fds.FdOf(a) == number || Fds.FdOf(peer) == number, Is.True, "the lowest free number is reused");
        OwnedFd other = Fds.FdOf(a) == number ? peer : a;
        backend.Add(number, Interest.Readable, Mode.Level, T2); // another file: the old registration is deleted
        Span<byte> buffer = stackalloc byte[64];
        Assert.That(Fds.Read(other, buffer), Is.EqualTo(-1), "nothing was written into the socket");
    }

    [Test]
    public void ACompletionRingTooSmallForTheValuesLosesNone([Values] bool deleteFirst)
    {
        using IoUringBackend? backend = IoUringCounterTests.CountingBackend(2, 4);
        if (backend is null)
        {
            return;
        }
        using var counter = new NotifyFd("test");
        backend.AddCounter(counter.ReadFd, T1);
        Span<PollEvent> events = stackalloc PollEvent[8];
        backend.Wait(events, 0);
        const int Writes = 50;
        for (int i = 0; i < Writes; i++)
        {
            counter.Add(1, Op);
        }
        ulong total = 0;
        if (deleteFirst)
        {
            backend.Delete(counter.ReadFd);
            total = counter.Take(Op);
        }
        for (int w = 0; w < 100 && total < Writes; w++)
        {
            backend.Wait(events, 0);
            backend.TryTakeCounter(counter.ReadFd, out ulong value);
            total += value;
        }
        Assert.That(total, Is.EqualTo(Writes));
    }

    /// <summary>
    /// Random operations on five counters and a socket, from one thread: every value written is taken or handed back,
    /// and afterwards every counter delivers a fresh value.
    /// </summary>
    [Test]
    public void RandomOperationsLoseNoValueAndLeaveEveryCounterWorking([Range(1, 12)] int seed, [Values(4u, 4096u)] uint cqEntries)
    {
        IoUringBackend? backend = IoUringCounterTests.CountingBackend(2, cqEntries);
        if (backend is null)
        {
            return;
        }
        const int K = 5;
        var rng = new Random(seed);
        var fds = new NotifyFd[K];
        var registered = new bool[K];
        var written = new ulong[K];
        var taken = new ulong[K];
        var version = new int[K];
        var silent = new List<int>();
        var (socket, peer) = Fds.SocketPair();
        using var _s = socket;
        using var _p = peer;
        backend.Add(Fds.FdOf(socket), Interest.Readable, Mode.Level, new Token(99, 1, 0));
        for (int i = 0; i < K; i++)
        {
            fds[i] = new NotifyFd("counter " + i);
        }
        try
        {
            Span<PollEvent> events = stackalloc PollEvent[2];
            Span<byte> junk = stackalloc byte[64];
            for (int step = 0; step < 1500; step++)
            {
                int i = rng.Next(K);
                switch (rng.Next(9))
                {
                    case 0 or 1 or 2:
                        for (int t = rng.Next(1, 400); t > 0; t--)
                        {
                            ulong v = (ulong)rng.Next(1, 4);
                            fds[i].Add(v, Op);
                            written[i] += v;
                        }
                        break;
                    case 3:
                        backend.Wait(events, 0);
                        break;
                    case 4:
                        if (registered[i] && backend.TryTakeCounter(fds[i].ReadFd, out ulong got))
                        {
                            taken[i] += got;
                        }
                        break;
                    case 5:
                        if (registered[i])
                        {
                            backend.Delete(fds[i].ReadFd);
                        }
                        else
                        {
                            backend.AddCounter(fds[i].ReadFd, new Token(i, ++version[i], 0));
                        }
                        registered[i] = !registered[i];
                        break;
                    case 6:
                        if (registered[i])
                        {
                            backend.Modify(fds[i].ReadFd, Interest.Readable, Mode.Level, new Token(i, ++version[i], 0));
                        }
                        break;
                    case 7:
                        Fds.Write(peer, "y"u8);
                        break;
                    default:
                        Fds.Read(socket, junk);
                        break;
                }
            }
            for (int i = 0; i < K; i++)
            {
                if (!registered[i])
                {
                    backend.AddCounter(fds[i].ReadFd, new Token(i, ++version[i], 0));
                    registered[i] = true;
                }
            }
            for (int w = 0; w < 50; w++)
            {
                backend.Wait(events, 0);
            }
            for (int i = 0; i < K; i++)
            {
                backend.TryTakeCounter(fds[i].ReadFd, out ulong got);
                taken[i] += got;
                fds[i].Add(1, Op);
                written[i]++;
            }
            var seen = new bool[K];
            for (int w = 0; w < 50; w++)
            {
                int n = backend.Wait(events, 0);
                for (int e = 0; e < n; e++)
                {
                    if (events[e].Token.Slot < K)
                    {
                        seen[events[e].Token.Slot] = true;
                    }
                }
            }
            for (int i = 0; i < K; i++)
            {
                if (!seen[i])
                {
                    silent.Add(i);
                }
                backend.TryTakeCounter(fds[i].ReadFd, out ulong got);
                taken[i] += got;
            }
            backend.Dispose();
            for (int i = 0; i < K; i++)
            {
                taken[i] += fds[i].Take(Op);
            }
            Assert.That(silent, Is.Empty, "counters that delivered no event for a fresh value");
            Assert.That(taken, Is.EqualTo(written), "every value taken or handed back");
        }
        finally
        {
            backend.Dispose();
            foreach (NotifyFd fd in fds)
            {
                fd.Dispose();
            }
        }
    }

    /// <summary>Writer threads add while the loop's thread waits, takes, modifies and deletes at random.</summary>
    [Test]
    public void ValuesFromWriterThreadsAreAllTakenOrHandedBack([Range(1, 4)] int seed, [Values(4u, 4096u)] uint cqEntries)
    {
        IoUringBackend? backend = IoUringCounterTests.CountingBackend(2, cqEntries);
        if (backend is null)
        {
            return;
        }
        const int K = 4;
        const int PerWriter = 20_000;
        var fds = new NotifyFd[K];
        var registered = new bool[K];
        var taken = new ulong[K];
        var version = new int[K];
        var writers = new Thread[K];
        for (int i = 0; i < K; i++)
        {
            fds[i] = new NotifyFd("counter " + i);
        }
        for (int i = 0; i < K; i++)
        {
            NotifyFd mine = fds[i];
            writers[i] = new Thread(() =>
            {
                for (int j = 0; j < PerWriter; j++)
                {
                    mine.Add(1, Op);
                }
            });
        }
        try
        {
            var rng = new Random(seed);
            Span<PollEvent> events = stackalloc PollEvent[2];
            foreach (Thread w in writers)
            {
                w.Start();
            }
            bool alive = true;
            while (alive)
            {
                int i = rng.Next(K);
                switch (rng.Next(5))
                {
                    case 0 or 1:
                        backend.Wait(events, 0);
                        break;
                    case 2:
                        if (registered[i] && backend.TryTakeCounter(fds[i].ReadFd, out ulong got))
                        {
                            taken[i] += got;
                        }
                        break;
                    case 3:
                        if (registered[i])
                        {
                            backend.Delete(fds[i].ReadFd);
                        }
                        else
                        {
                            backend.AddCounter(fds[i].ReadFd, new Token(i, ++version[i], 0));
                        }
                        registered[i] = !registered[i];
                        break;
                    default:
                        if (registered[i])
                        {
                            backend.Modify(fds[i].ReadFd, Interest.Readable, Mode.Level, new Token(i, ++version[i], 0));
                        }
                        break;
                }
                alive = Array.Exists(writers, w => w.IsAlive);
            }
            for (int i = 0; i < K; i++)
            {
                if (registered[i] && backend.TryTakeCounter(fds[i].ReadFd, out ulong got))
                {
                    taken[i] += got;
                }
            }
            backend.Dispose();
            for (int i = 0; i < K; i++)
            {
                taken[i] += fds[i].Take(Op);
            }
            Assert.That(taken, Is.All.EqualTo((ulong)PerWriter));
        }
        finally
        {
            backend.Dispose();
            foreach (Thread w in writers)
            {
                w.Join();
            }
            foreach (NotifyFd fd in fds)
            {
                fd.Dispose();
            }
        }
    }
}
