using System;
using System.Collections.Generic;
using System.Threading;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

public class StressTests
{
    private sealed class Counters
    {
        public long Pings;
        public long Messages;
        public long Sum;
        public bool Closed;
        public int Fired;
        public readonly HashSet<int> FiredIds = [];
        public readonly HashSet<int> Cancelled = [];
    }

    [Test]
    public void EightThreadsHammerPingsAndWakeupsWhileTheLoopInsertsAndRemovesSources()
    {
        // The runtime keeps a descriptor open for each assembly it maps: load the one the channel's sends use before
        // counting, or a run that starts with this test counts it as a leak.
        _ = typeof(System.Threading.Channels.ChannelClosedException).Assembly;
        int fdsBefore = Fds.OpenCountBefore();
        using (var loop = new EventLoop<Counters>())
        {
            LoopHandle<Counters> handle = loop.Handle;
            LoopSignal signal = loop.Signal;
            var (ping, source) = Ping.Create();
            handle.InsertSource(source, (_, ref _, ref c) =>
            {
                c.Pings++;
                // Churn the registry from inside the callback: a timer inserted and one removed every time.
                RegistrationToken t = handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
                handle.Remove(t);
                handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref c2) =>
                {
                    c2.Fired++;
                    return TimeoutAction.Drop;
                });
            });
            var (sender, messages) = Channel.Create<long>();
            handle.InsertSource(messages, (evt, ref _, ref c) =>
            {
                if (evt.IsClosed)
                {
                    c.Closed = true;
                    return;
                }
                Assert.That(c.Closed, Is.False, "no message after Closed");
                c.Messages++;
                c.Sum += evt.Message;
            });
            var threads = new List<Thread>();
            for (int i = 0; i < 8; i++)
            {
                Ping mine = ping.Clone();
                Sender<long> mySender = sender.Clone();
                threads.Add(Waits.Start(() =>
                {
                    for (int k = 0; k < 20_000; k++)
                    {
                        mine.Send();
                        mySender.Send(k);
                        if (k % 7 == 0)
                        {
                            signal.Wakeup();
                        }
                    }
                    mine.Dispose();
                    mySender.Dispose();
                }));
            }
            ping.Dispose();
            sender.Dispose();
            var counters = new Counters();
            // The ping and channel sources remove themselves once every sender is disposed: that ends the loop.
            Waits.DispatchUntilEmpty(loop, ref counters, TimeSpan.FromSeconds(120), "the ping and channel sources removed themselves");
            foreach (Thread t in threads)
            {
                Waits.Join(t, "a sending thread ended");
            }
            Assert.That(counters.Pings, Is.GreaterThan(0));
            Assert.That(counters.Fired, Is.EqualTo(counters.Pings), "every immediate timer inserted from a ping fired");
            Assert.That(counters.Messages, Is.EqualTo(8 * 20_000), "every message delivered exactly once");
            Assert.That(counters.Sum, Is.EqualTo(8L * (20_000L * 19_999 / 2)));
            Assert.That(counters.Closed, Is.True);
        }
        Assert.That(Fds.OpenCount(), Is.LessThanOrEqualTo(fdsBefore), "no descriptor leaked");
    }

    [Test]
    public void HundredThousandTimersInsertedAndCancelledAtRandomDuringDispatch()
    {
        var random = new Random(1234);
        using var loop = new EventLoop<Counters>();
        LoopHandle<Counters> handle = loop.Handle;
        // Victims are drawn from the timers the same callback inserted: none of them can have fired yet (timers expire
        // only in the loop's wait), so every draw cancels a pending timer, however slow the machine.
        var pending = new List<(int Id, RegistrationToken Token)>();
        var counters = new Counters();
        int removals = 0;
        int inserted = 0;
        const int Total = 100_000;

        handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref c) =>
        {
            pending.Clear();
            for (int i = 0; i < 1000 && inserted < Total; i++)
            {
                int id = inserted++;
                Instant deadline = Instant.Now + TimeSpan.FromMicroseconds(random.Next(0, 20_000));
                RegistrationToken token = handle.InsertSource(TimerSource.FromDeadline(deadline), (d, ref _, ref c2) =>
                {
                    Assert.That(Instant.Now, Is.GreaterThanOrEqualTo(d));
                    Assert.That(c2.FiredIds.Add(id), Is.True, $"timer {id} fired twice");
                    Assert.That(c2.Cancelled.Contains(id), Is.False, $"cancelled timer {id} fired");
                    c2.Fired++;
                    return TimeoutAction.Drop;
                });
                pending.Add((id, token));
                if (random.Next(2) == 0 && pending.Count > 0)
                {
                    int k = random.Next(pending.Count);
                    var victim = pending[k];
                    pending[k] = pending[^1];
                    pending.RemoveAt(pending.Count - 1);
                    Assert.That(c.FiredIds.Contains(victim.Id), Is.False, "a timer fired inside the callback that inserted it");
                    handle.Remove(victim.Token);
                    c.Cancelled.Add(victim.Id);
                    removals++;
                }
            }
            return inserted < Total ? TimeoutAction.ToDuration(TimeSpan.FromMilliseconds(1)) : TimeoutAction.Drop;
        });

        Waits.DispatchUntilEmpty(loop, ref counters, TimeSpan.FromSeconds(120), "every timer fired or was cancelled");
        Assert.That(inserted, Is.EqualTo(Total));
        Assert.That(counters.Cancelled, Has.Count.EqualTo(removals), "no timer was cancelled twice");
        Assert.That(counters.Fired + counters.Cancelled.Count, Is.EqualTo(Total), "every timer either fired once or was cancelled");
        Assert.That(counters.Cancelled.Count, Is.GreaterThan(Total / 5), "a good share of the timers were cancelled before firing");
    }

    [Test]
    public void AFloodedLoopStillServesATimerOnTime()
    {
        using var loop = new EventLoop<Counters>();
        LoopHandle<Counters> handle = loop.Handle;
        var (ping, source) = Ping.Create();
        using var _ = ping;
        // A self-re-arming ping and an always-readable descriptor keep every dispatch busy.
        handle.InsertSource(source, (_, ref _, ref c) =>
        {
            c.Pings++;
            ping.Send();
        });
        var (a, b) = Fds.SocketPair();
        using var tx = b;
        Fds.Write(tx, "never drained"u8);
        handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), (_, ref _, ref _) => PostAction.Continue);
        var timer = TimerSource.FromDuration(TimeSpan.FromMilliseconds(50));
        Instant deadline = timer.Deadline;
        Instant firedAt = default;
        handle.InsertSource(timer, (_, ref _, ref c) =>
        {
            firedAt = Instant.Now;
            c.Fired++;
            return TimeoutAction.Drop;
        });
        ping.Send();
        var counters = new Counters();
        int dispatches = 0;
        int dispatchesStartedPastTheDeadline = 0;
        Waits.DispatchUntil(loop, ref counters, () =>
        {
            if (counters.Fired > 0)
            {
                return true;
            }
            if (Instant.Now >= deadline)
            {
                dispatchesStartedPastTheDeadline++;
            }
            dispatches++;
            return false;
        }, "the timer fired despite the flood");
        Assert.That(firedAt, Is.GreaterThanOrEqualTo(deadline));
        // Counted in dispatches, not in time, so that a slow machine cannot fail it: a dispatch that starts after the
        // deadline reads the clock after it too, so it fires the timer, flood or not.
        Assert.That(dispatchesStartedPastTheDeadline, Is.LessThanOrEqualTo(1), "the first dispatch to start after the deadline fired the timer");
        Assert.That(counters.Pings, Is.EqualTo(dispatches), "the flooding ping was served in every dispatch, the timer's included");
    }
}
