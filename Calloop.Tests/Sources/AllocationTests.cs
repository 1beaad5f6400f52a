using System;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

/// <summary>After warm-up, dispatching allocates nothing.</summary>
[TestFixture(NotifierKind.EventFd)]
[TestFixture(NotifierKind.Pipe)]
public class AllocationTests(NotifierKind notifier) : NotifierFixture(notifier)
{
    private sealed class Counter
    {
        public long Value;
    }

    [Test]
    public void PingPathAllocatesNothing()
    {
        using var loop = new EventLoop<Counter>();
        var (ping, source) = Ping.Create();
        using var _ = ping;
        loop.Handle.InsertSource(source, (_, ref _, ref c) =>
        {
            c.Value++;
            ping.Send();
        });
        var counter = new Counter();
        ping.Send();
        long bytes;
        using (Waits.Watchdog dog = Waits.Watch(loop))
        {
            bytes = Alloc.Measure(2000, () => loop.Dispatch(null, ref counter));
            dog.AssertQuiet("every dispatch found the ping");
        }
        Assert.That(bytes, Is.Zero);
        Assert.That(counter.Value, Is.EqualTo(Alloc.LastRuns));
    }

    [Test]
    public void GenericPathAllocatesNothing()
    {
        using var loop = new EventLoop<Counter>();
        var (a, b) = Fds.SocketPair();
        using var tx = b;
        loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), (_, ref fd, ref c) =>
        {
            c.Value += Fds.Drain(fd);
            return PostAction.Continue;
        });
        var counter = new Counter();
        long bytes = Alloc.Measure(2000, () =>
        {
            Fds.Write(tx, "x"u8);
            loop.Dispatch(TimeSpan.Zero, ref counter);
        });
        Assert.That(bytes, Is.Zero);
        Assert.That(counter.Value, Is.EqualTo(Alloc.LastRuns));
    }

    [Test]
    public void TimerRearmPathAllocatesNothing()
    {
        using var loop = new EventLoop<Counter>();
        loop.Handle.InsertSource(TimerSource.Immediate(), (deadline, ref _, ref c) =>
        {
            c.Value++;
            return TimeoutAction.ToInstant(deadline);
        });
        var counter = new Counter();
        long bytes = Alloc.Measure(2000, () => loop.Dispatch(TimeSpan.Zero, ref counter));
        Assert.That(bytes, Is.Zero);
        Assert.That(counter.Value, Is.EqualTo(Alloc.LastRuns));
    }

    [Test]
    public void IdlePathAllocatesNothing()
    {
        using var loop = new EventLoop<Counter>();
        LoopHandle<Counter> handle = loop.Handle;
        IdleCallback<Counter>? next = null;
        next = (ref c) =>
        {
            c.Value++;
            handle.InsertIdle(next!);
        };
        handle.InsertIdle(next);
        var counter = new Counter();
        long bytes = Alloc.Measure(2000, () => loop.Dispatch(TimeSpan.Zero, ref counter));
        Assert.That(bytes, Is.Zero);
        Assert.That(counter.Value, Is.EqualTo(Alloc.LastRuns));
    }
}
