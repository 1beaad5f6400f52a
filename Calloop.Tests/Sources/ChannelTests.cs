using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

[TestFixture(NotifierKind.EventFd)]
[TestFixture(NotifierKind.Pipe)]
public class ChannelTests(NotifierKind notifier) : NotifierFixture(notifier)
{
    private sealed class Delivered
    {
        public readonly List<int> Messages = [];
    }

    private sealed class Received
    {
        public readonly List<int> Messages = [];
        public int Closed;
        public int EventsAfterClose;
    }

    private static RegistrationToken Insert(EventLoop<Received> loop, ChannelSource<int> source) =>
        loop.Handle.InsertSource(source, (evt, ref _, ref r) =>
        {
            if (r.Closed > 0)
            {
                r.EventsAfterClose++;
            }
            if (evt.IsClosed)
            {
                r.Closed++;
            }
            else
            {
                r.Messages.Add(evt.Message);
            }
        });

    [Test]
    public void NothingSentMeansNoEvent()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        using var _ = sender;
        Insert(loop, source);
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Is.Empty);
        Assert.That(r.Closed, Is.Zero);
    }

    [Test]
    public void ASentMessageIsDelivered()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        using var _ = sender;
        Insert(loop, source);
        sender.Send(42);
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Is.EqualTo(new[] { 42 }));
        Assert.That(r.Closed, Is.Zero);
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Has.Count.EqualTo(1), "delivered once");
    }

    [Test]
    public void DisposingTheSenderDeliversClosedAndRemovesTheSource()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        Insert(loop, source);
        sender.Dispose();
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Is.Empty);
        Assert.That(r.Closed, Is.EqualTo(1));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void MessagesComeBeforeClosedAndClosedComesOnce()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        Sender<int> clone = sender.Clone();
        Insert(loop, source);
        sender.Send(1);
        sender.Dispose();
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Closed, Is.Zero, "a clone is still alive");
        clone.Send(2);
        clone.Dispose();
        loop.Dispatch(TimeSpan.Zero, ref r);
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(r.Closed, Is.EqualTo(1));
        Assert.That(r.EventsAfterClose, Is.Zero);
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void ManySendsCoalesceIntoOneWakeUp()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        using var _ = sender;
        Insert(loop, source);
        for (int i = 0; i < 100; i++)
        {
            sender.Send(i);
        }
        // One notifier write for the hundred sends.
        Assert.That(source.State.Notifier.Take("test"), Is.EqualTo(1));
        source.State.Notify();
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Has.Count.EqualTo(100));

        // Once drained, the next send wakes the loop again.
        sender.Send(100);
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Has.Count.EqualTo(101));
    }

    [Test]
    public void BoundedChannelOfCapacityTwo()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.CreateBounded<int>(2);
        Insert(loop, source);
        Assert.That(sender.TrySend(1), Is.True);
        Assert.That(sender.TrySend(2), Is.True);
        Assert.That(sender.TrySend(3), Is.False, "the channel is full");

        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Is.EqualTo(new[] { 1, 2 }));

        sender.Send(3);
        sender.Dispose();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(r.Closed, Is.EqualTo(1));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void ABoundedChannelCountsMessagesTakenButNotYetDelivered()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.CreateBounded<int>(3);
        using var _ = sender;
        var attempts = new List<(int During, bool Sent)>();
        loop.Handle.InsertSource(source, (evt, ref _, ref r) =>
        {
            r.Messages.Add(evt.Message);
            if (evt.Message < 10)
            {
                // The consumer is in the middle of its batch: 1 and 2 were taken from the queue but not all delivered.
                attempts.Add((evt.Message, sender.TrySend(evt.Message * 10)));
                attempts.Add((evt.Message, sender.TrySend(evt.Message * 10 + 1)));
            }
        });
        Assert.That(sender.TrySend(1), Is.True);
        Assert.That(sender.TrySend(2), Is.True);

        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);

        // Room for one more while two are outstanding; none for the rest of the batch.
        Assert.That(attempts, Is.EqualTo(new[] { (1, true), (1, false), (2, false), (2, false) }));
        Assert.That(r.Messages, Is.EqualTo(new[] { 1, 2, 10 }));
        // Delivered: the whole capacity is free again.
        Assert.That(sender.TrySend(3), Is.True);
        Assert.That(sender.TrySend(4), Is.True);
        Assert.That(sender.TrySend(5), Is.True);
        Assert.That(sender.TrySend(6), Is.False, "the channel is full");
    }

    [Test]
    public void OnlyTheLastSenderGoingWakesTheConsumer()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        Sender<int> clone = sender.Clone();
        Insert(loop, source);
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(ChannelIsReadable(loop), Is.False);

        clone.Dispose();
        Assert.That(ChannelIsReadable(loop), Is.False, "a sender going while another remains wakes nobody");
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That((r.Closed, loop.Handle.SourceCount), Is.EqualTo((0, 1)));

        sender.Dispose();
        Assert.That(ChannelIsReadable(loop), Is.True, "the last sender going wakes the consumer");
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That((r.Closed, loop.Handle.SourceCount), Is.EqualTo((1, 0)));
    }

    [Test]
    public void TheLastSenderGoingDuringDeliveryStillEndsTheChannel()
    {
        // The sender goes while the consumer is delivering, with the "notified" flag up: its wake-up is not written,
        // so the consumer must see for itself that no sender is left when it finds the queue empty.
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        loop.Handle.InsertSource(source, (evt, ref _, ref r) =>
        {
            if (evt.IsClosed)
            {
                r.Closed++;
                return;
            }
            r.Messages.Add(evt.Message);
            sender.Dispose();
        });
        sender.Send(1);
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Is.EqualTo(new[] { 1 }));
        Assert.That(r.Closed, Is.EqualTo(1), "Closed in the same dispatch");
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void MessagesSentWhileTheConsumerDeliversWriteNoWakeUp()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        using var _ = sender;
        loop.Handle.InsertSource(source, (evt, ref _, ref r) =>
        {
            r.Messages.Add(evt.Message);
            if (evt.Message < 3)
            {
                sender.Send(evt.Message + 1);
            }
        });
        sender.Send(1);
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Is.EqualTo(new[] { 1, 2, 3 }), "taken in the same dispatch");
        Assert.That(ChannelIsReadable(loop), Is.False, "the sends during delivery wrote no wake-up");

        sender.Send(4);
        Assert.That(ChannelIsReadable(loop), Is.True, "once the consumer found the queue empty, a send wakes it");
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Has.Count.EqualTo(4));
    }

    /// <summary>True when the loop has something to dispatch: its poller descriptor is readable.</summary>
    private static bool ChannelIsReadable(EventLoop<Received> loop)
    {
        using var probe = new EventLoop<int>();
        bool readable = false;
        probe.Handle.InsertSource(Generic.From(new FileDescriptor(loop.PollFd), Interest.Readable, Mode.Level), (_, ref _, ref _) =>
        {
            readable = true;
            return PostAction.Remove;
        });
        int data = 0;
        probe.Dispatch(TimeSpan.Zero, ref data);
        return readable;
    }

    [Test]
    public void MessagesDroppedWithTheSourceAreReleasedWhileSendersLive()
    {
        using var loop = new EventLoop<int>();
        var (sender, source) = Channel.Create<object>();
        using var _ = sender;
        RegistrationToken token = loop.Handle.InsertSource(source, (_, ref _, ref _) => { });
        WeakReference queued = SendAnObject(sender);
        loop.Handle.Remove(token);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.That(queued.IsAlive, Is.False, "the undelivered message is not kept alive by the remaining sender");
        Assert.That(sender.IsReceiverClosed, Is.True);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference SendAnObject(Sender<object> sender)
    {
        var message = new object();
        sender.Send(message);
        return new WeakReference(message);
    }

    [Test]
    public void BoundedSendBlocksUntilTheLoopMakesRoom()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.CreateBounded<int>(1);
        Insert(loop, source);
        sender.Send(1);
        using var entered = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            entered.Set();
            sender.Send(2);
            sender.Dispose();
        });
        thread.Start();
        entered.Wait();
        var r = new Received();
        Waits.DispatchUntil(loop, ref r, () => r.Closed > 0, "the blocked sender got through and the channel closed");
        Waits.Join(thread, "the blocked sender returned");
        Assert.That(r.Messages, Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void At1025QueuedOneDispatchDelivers1024ThenTheRest()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        using var _ = sender;
        Insert(loop, source);
        for (int i = 0; i < 1025; i++)
        {
            sender.Send(i);
        }
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Has.Count.EqualTo(1024));
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Has.Count.EqualTo(1025));
        Assert.That(r.Messages[1024], Is.EqualTo(1024));
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Has.Count.EqualTo(1025));
    }

    [Test]
    public void SendingAfterTheSourceIsGoneThrowsChannelClosed()
    {
        var (sender, source) = Channel.Create<int>();
        using var _ = sender;
        using (var loop = new EventLoop<Received>())
        {
            Insert(loop, source);
            Assert.That(sender.IsReceiverClosed, Is.False);
        }
        Assert.That(sender.IsReceiverClosed, Is.True);
        Assert.Throws<ChannelClosedException>(() => sender.Send(1));
        Assert.Throws<ChannelClosedException>(() => sender.TrySend(1));
    }

    [Test]
    public void ABlockedSenderIsReleasedWhenTheSourceGoes()
    {
        var (sender, source) = Channel.CreateBounded<int>(1);
        using var _ = sender;
        sender.Send(1);
        Exception? caught = null;
        using var entered = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            entered.Set();
            try
            {
                sender.Send(2);
            }
            catch (Exception e)
            {
                caught = e;
            }
        });
        thread.Start();
        entered.Wait();
        source.Dispose();
        thread.Join();
        Assert.That(caught, Is.TypeOf<ChannelClosedException>());
    }

    [Test]
    public void SendAfterDisposeThrowsObjectDisposed()
    {
        var (sender, source) = Channel.Create<int>();
        sender.Dispose();
        sender.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sender.Send(1));
        Assert.Throws<ObjectDisposedException>(() => sender.Clone());
        source.Dispose();
    }

    [Test]
    public void AThrowingCallbackLosesNoMessage()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        loop.Handle.InsertSource(source, (evt, ref _, ref r) =>
        {
            if (evt.IsClosed)
            {
                r.Closed++;
                return;
            }
            r.Messages.Add(evt.Message);
            if (evt.Message == 1)
            {
                throw new InvalidOperationException("boom");
            }
        });
        sender.Send(0);
        sender.Send(1);
        sender.Send(2);
        sender.Dispose();
        var r = new Received();
        Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.Zero, ref r));
        // The dispatch after a throw finishes the interrupted batch without waiting; the next one polls again.
        loop.Dispatch(TimeSpan.Zero, ref r);
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(r.Closed, Is.EqualTo(1));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void AThrowingClosedCallbackStillEndsTheChannel()
    {
        // Closed is delivered once; the source then removes itself in the next dispatch even though no sender is
        // left to wake the loop.
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        loop.Handle.InsertSource(source, (evt, ref _, ref r) =>
        {
            if (evt.IsClosed)
            {
                r.Closed++;
                throw new InvalidOperationException("boom");
            }
            r.Messages.Add(evt.Message);
        });
        sender.Send(7);
        sender.Dispose();
        var r = new Received();
        Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.Zero, ref r));
        loop.Dispatch(TimeSpan.Zero, ref r);
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Messages, Is.EqualTo(new[] { 7 }));
        Assert.That(r.Closed, Is.EqualTo(1), "Closed once");
        Assert.That(loop.Handle.SourceCount, Is.Zero, "the source removed itself");
    }

    [Test]
    public void ReferenceMessagesAreDelivered()
    {
        using var loop = new EventLoop<List<string>>();
        var (sender, source) = Channel.Create<string>();
        loop.Handle.InsertSource(source, (evt, ref _, ref list) =>
        {
            if (evt.TryGetMessage(out string? m))
            {
                list.Add(m);
            }
        });
        sender.Send("a");
        sender.Send("b");
        sender.Dispose();
        var list = new List<string>();
        loop.Dispatch(TimeSpan.Zero, ref list);
        Assert.That(list, Is.EqualTo(new[] { "a", "b" }));
    }

    private readonly record struct Tagged(int Sender, int Sequence);

    private sealed class StressState
    {
        public readonly int[] Next = new int[4];
        public long Count;
        public int Closed;
        public string? Error;
    }

    [Test]
    public void FourProducersQuarterMillionEachExactlyOnceInOrderClosedLast()
    {
        const int Producers = 4;
        const int PerProducer = 250_000;
        using var loop = new EventLoop<StressState>();
        var (first, source) = Channel.Create<Tagged>();
        var senders = new Sender<Tagged>[Producers];
        senders[0] = first;
        for (int i = 1; i < Producers; i++)
        {
            senders[i] = first.Clone();
        }
        loop.Handle.InsertSource(source, (evt, ref _, ref s) =>
        {
            if (s.Closed > 0)
            {
                s.Error ??= "an event after Closed";
            }
            if (evt.IsClosed)
            {
                s.Closed++;
                return;
            }
            Tagged m = evt.Message;
            if (s.Next[m.Sender] != m.Sequence)
            {
                s.Error ??= $"sender {m.Sender}: expected {s.Next[m.Sender]}, got {m.Sequence}";
            }
            s.Next[m.Sender] = m.Sequence + 1;
            s.Count++;
        });
        var threads = new Thread[Producers];
        for (int p = 0; p < Producers; p++)
        {
            int id = p;
            threads[p] = Waits.Start(() =>
            {
                Sender<Tagged> sender = senders[id];
                for (int i = 0; i < PerProducer; i++)
                {
                    sender.Send(new Tagged(id, i));
                }
                sender.Dispose();
            });
        }
        var state = new StressState();
        Waits.DispatchUntilEmpty(loop, ref state, TimeSpan.FromSeconds(120), "every message and the close were delivered");
        foreach (Thread t in threads)
        {
            Waits.Join(t, "a producer ended");
        }
        Assert.That(state.Error, Is.Null);
        Assert.That(state.Count, Is.EqualTo((long)Producers * PerProducer));
        Assert.That(state.Closed, Is.EqualTo(1));
        Assert.That(state.Next, Is.All.EqualTo(PerProducer));
    }

    [Test]
    public void ABoundedChannelUnderBlockingAndAsyncSendersNeverHoldsMoreThanItsCapacity()
    {
        // Capacity 4 keeps every producer at the bound: blocking senders wait in Send, async ones in SendAsync, and
        // every dispatch hands room back while they race for it.
        const int Capacity = 4;
        const int PerProducer = 20_000;
        using var loop = new EventLoop<StressState>();
        var (first, source) = Channel.CreateBounded<Tagged>(Capacity);
        var senders = new[] { first, first.Clone(), first.Clone(), first.Clone() };
        long sent = 0;
        loop.Handle.InsertSource(source, (evt, ref _, ref s) =>
        {
            if (evt.IsClosed)
            {
                s.Closed++;
                return;
            }
            s.Count++;
            // A send that returned took room, and room comes back only after delivery: what has been sent but not
            // yet delivered is within the bound.
            if (Interlocked.Read(ref sent) - s.Count > Capacity)
            {
                s.Error ??= $"{Interlocked.Read(ref sent) - s.Count} messages sent and not delivered, over the capacity {Capacity}";
            }
            Tagged m = evt.Message;
            if (s.Next[m.Sender] != m.Sequence)
            {
                s.Error ??= $"sender {m.Sender}: expected {s.Next[m.Sender]}, got {m.Sequence}";
            }
            s.Next[m.Sender] = m.Sequence + 1;
        });
        var threads = new List<Thread>();
        for (int p = 0; p < 2; p++)
        {
            int id = p;
            threads.Add(Waits.Start(() =>
            {
                for (int i = 0; i < PerProducer; i++)
                {
                    senders[id].Send(new Tagged(id, i));
                    Interlocked.Increment(ref sent);
                }
                senders[id].Dispose();
            }));
        }
        var tasks = new List<System.Threading.Tasks.Task>();
        for (int p = 2; p < 4; p++)
        {
            int id = p;
            tasks.Add(System.Threading.Tasks.Task.Run(async () =>
            {
                for (int i = 0; i < PerProducer; i++)
                {
                    await senders[id].SendAsync(new Tagged(id, i));
                    Interlocked.Increment(ref sent);
                }
                senders[id].Dispose();
            }));
        }
        var state = new StressState();
        Waits.DispatchUntilEmpty(loop, ref state, TimeSpan.FromSeconds(120), "every message and the close were delivered");
        foreach (Thread t in threads)
        {
            Waits.Join(t, "a blocking producer ended");
        }
        Assert.That(System.Threading.Tasks.Task.WaitAll([.. tasks], Waits.Patience), Is.True, "the async producers ended");
        Assert.That(state.Error, Is.Null);
        Assert.That(state.Count, Is.EqualTo(4L * PerProducer));
        Assert.That(state.Closed, Is.EqualTo(1));
        Assert.That(state.Next, Is.All.EqualTo(PerProducer));
    }

    [Test]
    public void CrossThreadPingPongNeverLosesAWakeUp()
    {
        // One message at a time, each answered before the next is sent: a lost wake-up hangs the test.
        const int Rounds = 20_000;
        using var loop = new EventLoop<int>();
        var (sender, source) = Channel.Create<int>();
        using var ack = new SemaphoreSlim(0);
        loop.Handle.InsertSource(source, (evt, ref _, ref n) =>
        {
            if (!evt.IsClosed)
            {
                n++;
                ack.Release();
            }
        });
        Thread thread = Waits.Start(() =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                sender.Send(i);
                ack.Wait();
            }
            sender.Dispose();
        });
        int count = 0;
        Waits.DispatchUntilEmpty(loop, ref count, TimeSpan.FromSeconds(60), "every round was answered and the channel closed");
        Waits.Join(thread, "the sender ended");
        Assert.That(count, Is.EqualTo(Rounds));
    }

    private sealed class Counter
    {
        public long Sum;
    }

    [Test]
    public void DeliveringAnUnmanagedMessageAllocatesNothing()
    {
        using var loop = new EventLoop<Counter>();
        var (sender, source) = Channel.Create<long>();
        using var _ = sender;
        loop.Handle.InsertSource(source, (evt, ref _, ref c) => c.Sum += evt.Message);
        var counter = new Counter();
        long bytes = Alloc.Measure(5000, () =>
        {
            sender.Send(1);
            sender.Send(2);
            loop.Dispatch(TimeSpan.Zero, ref counter);
        });
        Assert.That(bytes, Is.Zero);
        Assert.That(counter.Sum, Is.EqualTo(10000 * 3));
    }

    [Test]
    public void BoundedChannelPathAllocatesNothing()
    {
        using var loop = new EventLoop<Counter>();
        var (sender, source) = Channel.CreateBounded<long>(8);
        using var _ = sender;
        loop.Handle.InsertSource(source, (evt, ref _, ref c) => c.Sum += evt.Message);
        var counter = new Counter();
        long bytes = Alloc.Measure(5000, () =>
        {
            sender.TrySend(1);
            sender.Send(1);
            loop.Dispatch(TimeSpan.Zero, ref counter);
        });
        Assert.That(bytes, Is.Zero);
        Assert.That(counter.Sum, Is.EqualTo(20000));
    }

    [Test]
    public void ChannelsLeakNoDescriptors()
    {
        int before = Fds.OpenCountBefore();
        for (int i = 0; i < 20; i++)
        {
            using var loop = new EventLoop<Received>();
            var (sender, source) = Channel.Create<int>();
            Insert(loop, source);
            sender.Send(1);
            sender.Dispose();
            var r = new Received();
            loop.Dispatch(TimeSpan.Zero, ref r);
            var (s2, src2) = Channel.CreateBounded<int>(4);
            s2.Dispose();
            src2.Dispose();
        }
        Assert.That(Fds.OpenCount(), Is.EqualTo(before));
    }

    [Test]
    public void AChannelKeepsDeliveringAfterCallbacksThrowOnLeftoverMessages()
    {
        using var loop = new EventLoop<Delivered>();
        var (sender, source) = Channel.Create<int>();
        using var _ = sender;
        loop.Handle.InsertSource(source, (evt, ref _, ref r) =>
        {
            if (evt.IsClosed)
            {
                return;
            }
            r.Messages.Add(evt.Message);
            if (evt.Message <= 2)
            {
                throw new InvalidOperationException($"message {evt.Message}");
            }
        });
        var received = new Delivered();
        int throws = 0;
        void DispatchUntilThrow()
        {
            // A dispatch after a throw first finishes the interrupted batch; the next one polls again.
            for (int i = 0; i < 10; i++)
            {
                try
                {
                    loop.Dispatch(TimeSpan.FromMilliseconds(50), ref received);
                }
                catch (InvalidOperationException)
                {
                    throws++;
                    return;
                }
            }
        }
        sender.Send(1);
        sender.Send(2);
        DispatchUntilThrow();
        sender.Send(3);
        DispatchUntilThrow();
        sender.Send(4);
        for (int i = 0; i < 10 && received.Messages.Count < 4; i++)
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(200), ref received);
        }
        Assert.That(throws, Is.EqualTo(2));
        Assert.That(received.Messages, Is.EqualTo(new[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void AnUpdatedChannelSourceKeepsDeliveringAndRefusesUpdateOnceDisposed()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        RegistrationToken token = loop.Handle.InsertSource(source, (evt, ref _, ref r) => r.Messages.Add(evt.Message));
        sender.Send(1);
        loop.Handle.Update(token);
        sender.Send(2);
        var r = new Received();
        Waits.DispatchUntil(loop, ref r, () => r.Messages.Count == 2, "both messages after Update");
        Assert.That(r.Messages, Is.EqualTo(new[] { 1, 2 }));

        source.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loop.Handle.Update(token));
        sender.Dispose();
    }

    [Test]
    public void DisposingTheSourceTwiceClosesNoDescriptorReusedInBetween()
    {
        var (sender, source) = Channel.Create<int>();
        using var _ = sender;
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
