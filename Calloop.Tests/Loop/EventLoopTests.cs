using System;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

/// <summary><see cref="EventLoop{TData}"/>'s construction and disposal refusals.</summary>
public class EventLoopTests
{
    [Test]
    public void AnUndefinedBackendIsRefusedAndLeavesNoDescriptorOpen()
    {
        int before = Fds.OpenCountBefore();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoop<int>(new EventLoopOptions { Backend = (Backend)99 }));
        Assert.That(e!.ParamName, Is.EqualTo("backend"));
        Assert.That(e.Message, Does.StartWith("Unknown backend."));
        Assert.That(Fds.OpenCount(), Is.EqualTo(before));
    }

    [Test]
    public void DisposingTheLoopFromItsOwnCallbackIsRefusedAndTheLoopStaysUsable()
    {
        EventLoop<int>? self = null;
        using var loop = new EventLoop<int>();
        self = loop;
        var (ping, source) = Ping.Create();
        using var _ = ping;
        Exception? refused = null;
        loop.Handle.InsertSource(source, (_, ref _, ref n) =>
        {
            n++;
            try
            {
                self.Dispose();
            }
            catch (InvalidOperationException e)
            {
                refused = e;
            }
        });
        int calls = 0;
        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(refused?.Message, Is.EqualTo("EventLoop.Dispose cannot be called from one of the loop's own callbacks."));

        ping.Send();
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(2), "the loop was not disposed and still dispatches");
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
    }
}
