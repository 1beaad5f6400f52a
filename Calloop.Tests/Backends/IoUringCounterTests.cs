using System;
using Calloop.Interop;
using Calloop.Polling;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Backends;

/// <summary>
/// The io_uring backend's counters: the eventfds of pings, channels and the loop's wake-up, read inside the ring. The
/// value arrives with the event, and no value is lost when a counter is modified, deleted or its backend disposed
/// while a read is armed or a value is waiting to be taken.
/// </summary>
public class IoUringCounterTests
{
    private static readonly Token T1 = new(1, 1, 0);
    private static readonly Token T2 = new(2, 1, 0);
    private const string Op = "test counter";

    /// <summary>What the backend read for <paramref name="counter"/> since the last take (asserting that it is a counter there).</summary>
    private static ulong Taken(IoUringBackend backend, NotifyFd counter)
    {
        Assert.That(backend.TryTakeCounter(counter.ReadFd, out ulong value), Is.True, "registered as a counter");
        return value;
    }

    /// <summary>
    /// A new backend, when io_uring is here; asserts that it reads counters in the ring exactly where the kernel has
    /// multishot reads (6.7), and gives null (the tests below need them) on older kernels.
    /// </summary>
    internal static IoUringBackend? CountingBackend(uint sqEntries = 256, uint cqEntries = 4096)
    {
        if (!IoUringTests.Supported())
        {
            return null;
        }
        var backend = new IoUringBackend(true, sqEntries, cqEntries);
        bool expected = Environment.OSVersion.Version >= new Version(6, 7);
        Assert.That(backend.ReadsCounters, Is.EqualTo(expected), $"kernel {Environment.OSVersion.Version}");
        if (!expected)
        {
            backend.Dispose();
            return null;
        }
        return backend;
    }

    [Test]
    public void ACountersEventBringsItsValueAndLeavesTheEventfdEmpty()
    {
        using IoUringBackend? backend = CountingBackend();
        if (backend is null)
        {
            return;
        }
        using var counter = new NotifyFd("test");
        backend.AddCounter(counter.ReadFd, T1);
        Span<PollEvent> events = stackalloc PollEvent[8];
        Assert.That(backend.Wait(events, 0), Is.Zero, "armed, nothing to read");
        counter.Add(3, Op);
        counter.Add(4, Op);
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1));
        Assert.That(events[0], Is.EqualTo(new PollEvent(Readiness.Readable, T1)));
        Assert.That(Taken(backend, counter), Is.EqualTo(7), "both additions, read by the ring");
        Assert.That(counter.Take(Op), Is.Zero, "the ring's read emptied the eventfd");
        Assert.That(Taken(backend, counter), Is.Zero, "taken once");
        Assert.That(backend.Wait(events, 0), Is.Zero, "no event without a new value");
        counter.Add(1, Op);
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1), "the read was armed again");
    }

    [Test]
    public void MoreValuesBetweenTwoWaitsThanTheRingHasBuffersAreAllDelivered()
    {
        using IoUringBackend? backend = CountingBackend();
        if (backend is null)
        {
            return;
        }
        using var counter = new NotifyFd("test");
        backend.AddCounter(counter.ReadFd, T1);
        Span<PollEvent> events = stackalloc PollEvent[8];
        Assert.That(backend.Wait(events, 0), Is.Zero);
        const int Writes = 600; // each is read at once into one of the ring's 256 buffers, until none is left
        for (int i = 0; i < Writes; i++)
        {
            counter.Add(1, Op);
        }
        ulong total = 0;
        int waits = 0;
        while (total < Writes && waits++ < 10)
        {
            int n = backend.Wait(events, 0);
            Assert.That(n, Is.LessThanOrEqualTo(1), "one event per wait, however many completions");
            Assert.That(backend.TryTakeCounter(counter.ReadFd, out ulong value), Is.True);
            total += value;
        }
        Assert.That(total, Is.EqualTo(Writes), "the read that ran out of buffers was armed again and read the rest");
        Assert.That(counter.Take(Op), Is.Zero);
        counter.Add(5, Op);
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1), "every buffer went back to the ring");
        Assert.That(Taken(backend, counter), Is.EqualTo(5));
    }

    [Test]
    public void DeletingACounterWhoseReadCompletedHandsTheValueBack()
    {
        using IoUringBackend? backend = CountingBackend();
        if (backend is null)
        {
            return;
        }
        using var counter = new NotifyFd("test");
        backend.AddCounter(counter.ReadFd, T1);
        Span<PollEvent> events = stackalloc PollEvent[8];
        Assert.That(backend.Wait(events, 0), Is.Zero);
        counter.Add(5, Op); // the armed read takes it; its completion waits in the ring
        backend.Delete(counter.ReadFd);
        Assert.That(counter.Take(Op), Is.EqualTo(5), "the value is back in the eventfd, as epoll would have left it");
        Assert.That(backend.Wait(events, 0), Is.Zero, "and the read's completion is not reported");
    }

    [Test]
    public void DeletingACounterWithAValueNotYetTakenHandsItBack()
    {
        using IoUringBackend? backend = CountingBackend();
        if (backend is null)
        {
            return;
        }
        using var counter = new NotifyFd("test");
        backend.AddCounter(counter.ReadFd, T1);
        counter.Add(9, Op);
        Span<PollEvent> events = stackalloc PollEvent[8];
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1), "delivered, not taken");
        backend.Delete(counter.ReadFd);
        Assert.That(backend.TryTakeCounter(counter.ReadFd, out _), Is.False, "no longer registered");
        Assert.That(counter.Take(Op), Is.EqualTo(9));
    }

    [Test]
    public void DeletingAnIdleCounterCancelsItsReadAndItsSlotServesTheNextCounter()
    {
        using IoUringBackend? backend = CountingBackend();
        if (backend is null)
        {
            return;
        }
        using var first = new NotifyFd("first");
        using var second = new NotifyFd("second");
        backend.AddCounter(first.ReadFd, T1);
        Span<PollEvent> events = stackalloc PollEvent[8];
        Assert.That(backend.Wait(events, 0), Is.Zero, "armed, nothing to read");
        backend.Delete(first.ReadFd);
        first.Add(2, Op);
        Assert.That(first.Take(Op), Is.EqualTo(2), "the cancelled read no longer takes values");

        backend.AddCounter(second.ReadFd, T2); // the freed slot, and its buffer
        Assert.That(backend.Wait(events, 0), Is.Zero, "the cancelled read's completion is not reported for the new counter");
        second.Add(6, Op);
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1));
        Assert.That(events[0].Token, Is.EqualTo(T2));
        Assert.That(Taken(backend, second), Is.EqualTo(6));
    }

    [Test]
    public void AModifiedCounterKeepsItsValueAndReportsItWithTheNewToken()
    {
        using IoUringBackend? backend = CountingBackend();
        if (backend is null)
        {
            return;
        }
        using var counter = new NotifyFd("test");
        backend.AddCounter(counter.ReadFd, T1);
        counter.Add(2, Op);
        Span<PollEvent> events = stackalloc PollEvent[8];
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1), "delivered with T1, not taken");
        counter.Add(1, Op); // read by the re-armed read, or left in the eventfd
        backend.Modify(counter.ReadFd, Interest.Readable, Mode.Level, T2);
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1));
        Assert.That(events[0], Is.EqualTo(new PollEvent(Readiness.Readable, T2)));
        Assert.That(Taken(backend, counter), Is.EqualTo(3), "nothing lost across the modification");
    }

    [Test]
    public void ACounterModifiedToAnotherInterestBecomesAPollAndLeavesItsValueInTheEventfd()
    {
        using IoUringBackend? backend = CountingBackend();
        if (backend is null)
        {
            return;
        }
        using var counter = new NotifyFd("test");
        backend.AddCounter(counter.ReadFd, T1);
        counter.Add(4, Op);
        Span<PollEvent> events = stackalloc PollEvent[8];
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1));
        backend.Modify(counter.ReadFd, Interest.Both, Mode.Level, T2);
        Assert.That(backend.TryTakeCounter(counter.ReadFd, out _), Is.False, "a poll: the caller reads");
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1));
        Assert.That(events[0], Is.EqualTo(new PollEvent(Readiness.Readable | Readiness.Writable, T2)), "the value is in the eventfd again");
        Assert.That(counter.Take(Op), Is.EqualTo(4));
    }

    [Test]
    public void CompletionsThatArriveWhileACounterIsCancelledAreDeliveredByTheNextWait()
    {
        using IoUringBackend? backend = CountingBackend();
        if (backend is null)
        {
            return;
        }
        using var counter = new NotifyFd("test");
        var (a, peer) = Fds.SocketPair();
        using var _a = a;
        using var _p = peer;
        backend.Add(Fds.FdOf(a), Interest.Readable, Mode.Level, T2);
        backend.AddCounter(counter.ReadFd, T1);
        Span<PollEvent> events = stackalloc PollEvent[8];
        Assert.That(backend.Wait(events, 0), Is.Zero, "both armed");
        Fds.Write(peer, "x"u8); // the socket's completion goes to the ring, ahead of the cancelled read's
        backend.Delete(counter.ReadFd);
        Assert.That(backend.HeldCompletions, Is.EqualTo(1), "taken out of the ring to reach the read's completion");
        Assert.That(backend.Wait(events, 0), Is.EqualTo(1), "held back, then delivered");
        Assert.That(events[0].Token, Is.EqualTo(T2));
        Assert.That(backend.HeldCompletions, Is.Zero);
    }

    [Test]
    public void DisposingTheBackendHandsAnArmedCountersValueBack()
    {
        using var counter = new NotifyFd("test");
        IoUringBackend? backend = CountingBackend();
        if (backend is null)
        {
            return;
        }
        backend.AddCounter(counter.ReadFd, T1);
        Span<PollEvent> events = stackalloc PollEvent[8];
        Assert.That(backend.Wait(events, 0), Is.Zero);
        counter.Add(8, Op);
        backend.Dispose();
        Assert.That(counter.Take(Op), Is.EqualTo(8));
    }

    [Test]
    public void ALoopThatIsNeverDisposedLeavesNoDescriptorOnceCollected()
    {
        if (!IoUringTests.Supported())
        {
            return;
        }
        int before = Fds.OpenCountBefore();
        AbandonLoops(10);
        Assert.That(Fds.OpenCountBefore(), Is.LessThanOrEqualTo(before), "the ring, the eventfds and the counters' duplicates are closed by their finalizers");

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        static void AbandonLoops(int count)
        {
            for (int i = 0; i < count; i++)
            {
                var loop = new EventLoop<int>(new EventLoopOptions { Backend = Backend.IoUring });
                var (ping, source) = Ping.Create();
                loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
                ping.Send();
                int calls = 0;
                loop.Dispatch(TimeSpan.Zero, ref calls);
                Assert.That(calls, Is.EqualTo(1));
            }
        }
    }

    [Test]
    public void APingSentWhileItsSourceIsDisabledIsDeliveredOnceItIsEnabled([Values(Backend.Epoll, Backend.IoUring)] Backend backend)
    {
        using var loop = new EventLoop<int>(new EventLoopOptions { Backend = backend == Backend.IoUring ? IoUringTests.Available : backend });
        var (ping, source) = Ping.Create();
        using var _ = ping;
        RegistrationToken token = loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls); // arms the source's read on io_uring
        ping.Send();
        loop.Handle.Disable(token);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.Zero, "disabled");
        loop.Handle.Enable(token);
        Waits.DispatchUntil(loop, ref calls, () => calls == 1, "the ping sent before the source was disabled");
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1), "delivered once");
    }

    [Test]
    public void AChannelsMessagesAndCloseArriveOnEitherBackend([Values(Backend.Epoll, Backend.IoUring)] Backend backend)
    {
        using var loop = new EventLoop<long>(new EventLoopOptions { Backend = backend == Backend.IoUring ? IoUringTests.Available : backend });
        var (sender, channel) = Channel.Create<long>();
        bool closed = false;
        RegistrationToken token = loop.Handle.InsertSource(channel, (ChannelEvent<long> e, ref Unit _, ref long sum) =>
        {
            if (e.IsClosed)
            {
                closed = true;
            }
            else
            {
                sum += e.Message;
            }
        });
        long total = 0;
        sender.Send(1);
        loop.Dispatch(TimeSpan.Zero, ref total);
        Assert.That(total, Is.EqualTo(1));
        loop.Handle.Disable(token);
        sender.Send(2);
        loop.Dispatch(TimeSpan.Zero, ref total);
        loop.Handle.Enable(token);
        sender.Send(3);
        sender.Dispose();
        Waits.DispatchUntil(loop, ref total, () => closed, "the close after every message");
        Assert.That(total, Is.EqualTo(6));
    }
}
