using System;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

[TestFixture(NotifierKind.EventFd)]
[TestFixture(NotifierKind.Pipe)]
public class PingTests(NotifierKind notifier) : NotifierFixture(notifier)
{
    [Test]
    public void ManyPingsCoalesceIntoOneEvent()
    {
        using var loop = new EventLoop<int>();
        var (ping, source) = Ping.Create();
        using var _ = ping;
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        ping.Send();
        ping.Send();
        ping.Send();
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1), "the notifier is drained");
    }

    [Test]
    public void TheCloseIsNotLostWhenTheNotifierIsFull()
    {
        // 70 000 pings fill a pipe (64 KiB on Linux); the last sender's close must still get through.
        using var loop = new EventLoop<int>();
        var (ping, source) = Ping.Create();
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        for (int i = 0; i < 70_000; i++)
        {
            ping.Send();
        }
        ping.Dispose();
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1), "the pending pings are delivered once");
        Assert.That(loop.Handle.SourceCount, Is.Zero, "and the close removes the source");
    }

    [Test]
    public void DisposingTheOnlySenderRemovesTheSourceWithoutACallback()
    {
        using var loop = new EventLoop<int>();
        var (ping, source) = Ping.Create();
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        ping.Dispose();
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.Zero);
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void APendingPingIsDeliveredBeforeTheSourceRemovesItself()
    {
        using var loop = new EventLoop<int>();
        var (ping, source) = Ping.Create();
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        ping.Send();
        ping.Dispose();
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void TheSourceSurvivesUntilEverySenderIsDisposed()
    {
        using var loop = new EventLoop<int>();
        var (sender0, source) = Ping.Create();
        Ping sender1 = sender0.Clone();
        Ping sender2 = sender1.Clone();
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        int calls = 0;

        sender0.Send();
        sender0.Dispose();
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));

        sender1.Send();
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(2));

        sender1.Dispose();
        sender2.Dispose();
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(2));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void SendAfterDisposeThrowsObjectDisposed()
    {
        var (ping, source) = Ping.Create();
        ping.Dispose();
        ping.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ping.Send());
        source.Dispose();
    }

    [Test]
    public void PingsFromAnotherThreadWakeABlockingDispatch()
    {
        using var loop = new EventLoop<int>();
        var (ping, source) = Ping.Create();
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        var thread = new System.Threading.Thread(() =>
        {
            ping.Send();
            ping.Dispose();
        });
        thread.Start();
        int calls = 0;
        Waits.DispatchUntilEmpty(loop, ref calls, "the ping source removed itself after its last Ping was disposed");
        Waits.Join(thread, "the pinging thread ended");
        Assert.That(calls, Is.EqualTo(1));
    }
}
