using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

/// <summary>A sender (or ping) collected without Dispose is dropped, as calloop drops one that goes out of scope.</summary>
[NonParallelizable]
public class DroppedSenderTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CloneAndForget<T>(Sender<T> sender) => sender.Clone();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CloneAndForget(Ping ping) => ping.Clone();

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Test]
    public void AChannelWhoseLastSenderWasCollectedWithoutDisposeCloses()
    {
        using var loop = new EventLoop<(int Messages, bool Closed)>();
        var (sender, source) = Channel.Create<int>();
        loop.Handle.InsertSource(source, (e, ref _, ref d) =>
        {
            if (e.IsClosed)
            {
                d.Closed = true;
            }
            else
            {
                d.Messages++;
            }
        });
        CloneAndForget(sender);
        sender.Send(1);
        sender.Dispose();
        Collect();

        var data = (Messages: 0, Closed: false);
        var clock = Stopwatch.StartNew();
        while (!data.Closed && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(100), ref data);
        }
        Assert.That(data, Is.EqualTo((1, true)), "the message, then the close, once the forgotten clone was collected");
        Assert.That(loop.Handle.SourceCount, Is.Zero, "the closed channel removed itself");
    }

    [Test]
    public void APingWhoseLastSenderWasCollectedWithoutDisposeRemovesItsSource()
    {
        using var loop = new EventLoop<int>();
        var (ping, source) = Ping.Create();
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        CloneAndForget(ping);
        ping.Dispose();
        Collect();

        int n = 0;
        var clock = Stopwatch.StartNew();
        while (loop.Handle.SourceCount > 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(100), ref n);
        }
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void ADisposedSenderIsNotDroppedTwiceByItsFinalizer()
    {
        using var loop = new EventLoop<int>();
        var (sender, source) = Channel.Create<int>();
        loop.Handle.InsertSource(source, (e, ref _, ref n) => n += e.IsClosed ? 100 : 1);
        Sender<int> clone = sender.Clone();
        clone.Dispose();
        clone = null!;
        Collect();
        sender.Send(7);
        int n = 0;
        loop.Dispatch(TimeSpan.FromSeconds(5), ref n);
        Assert.That(n, Is.EqualTo(1), "the original sender still holds the channel open");
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
        sender.Dispose();
    }
}
