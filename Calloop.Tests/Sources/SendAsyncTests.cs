using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

/// <summary>Sender.SendAsync (back-pressure without a blocked thread) and the ChannelWriter view of a sender.</summary>
public class SendAsyncTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Test]
    public void SendAsyncWithRoomCompletesAtOnceAndAllocatesNothing()
    {
        using var loop = new EventLoop<int>();
        var (sender, source) = Calloop.Channel.CreateBounded<int>(1_000_000);
        loop.Handle.InsertSource(source, (evt, ref _, ref total) => total += evt.IsClosed ? 0 : evt.Message);
        bool allSynchronous = true;
        long bytes = Alloc.Measure(1000, () =>
        {
            ValueTask sent = sender.SendAsync(1, CancellationToken.None);
            allSynchronous &= sent.IsCompletedSuccessfully;
            sent.GetAwaiter().GetResult();
        });
        TestContext.Out.WriteLine($"SendAsync with room: {bytes} B allocated over 1000 sends");
        Assert.That(allSynchronous, Is.True);
        Assert.That(bytes, Is.Zero);

        int total = 0;
        loop.Dispatch(TimeSpan.Zero, ref total);
        Assert.That(total, Is.EqualTo(Math.Min(Alloc.LastRuns, 1024)), "the first 1024 messages are delivered by one dispatch");
        sender.Dispose();
    }

    [Test]
    public void SendAsyncOnAFullChannelCompletesWhenTheLoopMakesRoom()
    {
        using var loop = new EventLoop<int>();
        var (sender, source) = Calloop.Channel.CreateBounded<int>(1);
        var received = new List<int>();
        int count = 0;
        loop.Handle.InsertSource(source, (evt, ref _, ref data) =>
        {
            if (!evt.IsClosed)
            {
                received.Add(evt.Message);
                data++;
            }
        });
        Assert.That(sender.SendAsync(1, CancellationToken.None).IsCompletedSuccessfully, Is.True);

        ValueTask second = sender.SendAsync(2, CancellationToken.None);
        Assert.That(second.IsCompleted, Is.False, "full: the send waits, no thread blocked");

        DispatchUntil(loop, ref count, () => second.IsCompleted && count == 2);
        second.GetAwaiter().GetResult();
        Assert.That(received, Is.EqualTo(new[] { 1, 2 }));
        sender.Dispose();
    }

    [Test]
    public void ACancelledSendAsyncQueuesNothing()
    {
        using var loop = new EventLoop<int>();
        var (sender, source) = Calloop.Channel.CreateBounded<int>(1);
        int count = 0;
        loop.Handle.InsertSource(source, (evt, ref _, ref data) => { if (!evt.IsClosed) data++; });
        sender.TrySend(1);
        using var cancel = new CancellationTokenSource();
        ValueTask waiting = sender.SendAsync(2, cancel.Token);
        cancel.Cancel();
        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
        DispatchUntil(loop, ref count, () => count == 1);
        loop.Dispatch(TimeSpan.Zero, ref count);
        Assert.That(count, Is.EqualTo(1), "the cancelled message was not queued");
        sender.Dispose();
    }

    [Test]
    public void SendAsyncThrowsWhenTheReceiverIsGone()
    {
        var (sender, source) = Calloop.Channel.CreateBounded<int>(1);
        sender.TrySend(1);
        ValueTask waiting = sender.SendAsync(2, CancellationToken.None);
        source.Dispose();
        Assert.That(async () => await waiting, Throws.InstanceOf<ChannelClosedException>());
        Assert.That(async () => await sender.SendAsync(3, CancellationToken.None), Throws.InstanceOf<ChannelClosedException>());
        sender.Dispose();
    }

    [Test]
    public void SendAsyncOnADisposedSenderThrows()
    {
        var (sender, source) = Calloop.Channel.CreateBounded<int>(1);
        sender.Dispose();
        Assert.That(() => sender.SendAsync(1, CancellationToken.None), Throws.InstanceOf<ObjectDisposedException>());
        source.Dispose();
    }

    [Test]
    public void AChannelWriterFeedsTheLoop()
    {
        using var loop = new EventLoop<int>();
        var (sender, source) = Calloop.Channel.CreateBounded<int>(2);
        int total = 0;
        bool closed = false;
        loop.Handle.InsertSource(source, (evt, ref _, ref data) =>
        {
            if (evt.IsClosed) { closed = true; return; }
            data += evt.Message;
        });
        ChannelWriter<int> writer = sender.AsChannelWriter();

        // Code written against System.Threading.Channels, on another thread.
        Task producer = Task.Run(async () =>
        {
            for (int i = 1; i <= 10; i++)
            {
                await writer.WriteAsync(i);
            }
            writer.Complete();
        });
        DispatchUntil(loop, ref total, () => closed);
        Assert.That(producer.Wait(Limit), Is.True);
        Assert.That(total, Is.EqualTo(55));
        Assert.That(writer.TryWrite(11), Is.False, "completed");
        Assert.That(writer.TryComplete(), Is.False, "already completed");
    }

    [Test]
    public async Task WaitToWriteAsyncSaysFalseOnceTheReceiverIsGone()
    {
        var (sender, source) = Calloop.Channel.CreateBounded<int>(1);
        ChannelWriter<int> writer = sender.AsChannelWriter();
        Assert.That(await writer.WaitToWriteAsync(), Is.True);
        Assert.That(writer.TryWrite(1), Is.True);
        Assert.That(writer.TryWrite(2), Is.False, "full");
        ValueTask<bool> waiting = writer.WaitToWriteAsync();
        Assert.That(waiting.IsCompleted, Is.False);
        source.Dispose();
        Assert.That(await waiting, Is.False);
        // Asked again once the receiver is gone, with the channel still full: false at once, no wait for room.
        ValueTask<bool> again = writer.WaitToWriteAsync();
        Assert.That(again.IsCompleted, Is.True, "a closed channel has nothing to wait for");
        Assert.That(await again, Is.False);
        Assert.That(async () => await writer.WriteAsync(3), Throws.InstanceOf<System.Threading.Channels.ChannelClosedException>());
        sender.Dispose();
    }

    private static void DispatchUntil(EventLoop<int> loop, ref int data, Func<bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > Limit)
            {
                Assert.Fail($"not done after {Limit.TotalSeconds} s");
            }
            loop.Dispatch(TimeSpan.FromMilliseconds(50), ref data);
        }
    }
}
