using System;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

public class IdleTests
{
    [Test]
    public void IdleRunsAndMutatesData()
    {
        using var loop = new EventLoop<int>();
        loop.Handle.InsertIdle((ref d) => d = 42);
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(42));
    }

    [Test]
    public void CancelledIdleNeverRuns()
    {
        using var loop = new EventLoop<bool>();
        Idle idle = loop.Handle.InsertIdle((ref ran) => ran = true);
        idle.Cancel();
        bool data = false;
        loop.Dispatch(TimeSpan.Zero, ref data);
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.False);
    }

    [Test]
    public void IdlesRunInInsertionOrderAndOnlyOnce()
    {
        using var loop = new EventLoop<string>();
        loop.Handle.InsertIdle((ref s) => s += "a");
        loop.Handle.InsertIdle((ref s) => s += "b");
        loop.Handle.InsertIdle((ref s) => s += "c");
        string data = "";
        loop.Dispatch(TimeSpan.Zero, ref data);
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo("abc"));
    }

    [Test]
    public void IdleQueuedByAnIdleRunsAtTheNextDispatch()
    {
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        handle.InsertIdle((ref n) =>
        {
            n++;
            handle.InsertIdle((ref m) => m += 10);
        });
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(1));
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(11));
    }

    [Test]
    public void AnIdleCanCancelALaterIdleOfTheSameDispatch()
    {
        using var loop = new EventLoop<int>();
        Idle second = default;
        loop.Handle.InsertIdle((ref n) => { n++; second.Cancel(); });
        second = loop.Handle.InsertIdle((ref n) => n += 100);
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(1));
    }

    [Test]
    public void ZeroTimeoutNeverBlocksEvenWithNothingToDo()
    {
        using var loop = new EventLoop<int>();
        int data = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 2000; i++)
        {
            loop.Dispatch(TimeSpan.Zero, ref data);
        }
        // A loop that slept even 1 ms per zero-timeout dispatch would need 2 s here.
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
    }
}
