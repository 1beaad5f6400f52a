using System;
using System.Collections.Generic;
using System.Threading;
using Calloop.Tests.Support;
using NUnit.Framework;
using Bcl = System.Threading.Channels;

namespace Calloop.Tests.Sources;

[TestFixture(NotifierKind.EventFd)]
[TestFixture(NotifierKind.Pipe)]
public class ChannelReaderSourceTests(NotifierKind notifier) : NotifierFixture(notifier)
{
    private sealed class Received
    {
        public readonly List<int> Items = [];
        public int Closed;
    }

    private static void Insert(EventLoop<Received> loop, Bcl.ChannelReader<int> reader) =>
        loop.Handle.InsertSource(Channel.FromReader(reader), (evt, ref _, ref r) =>
        {
            if (evt.IsClosed)
            {
                r.Closed++;
            }
            else
            {
                r.Items.Add(evt.Message);
            }
        });

    [Test]
    public void ItemsWrittenBeforeAndAfterInsertionAreDeliveredThenClosed()
    {
        using var loop = new EventLoop<Received>();
        var channel = Bcl.Channel.CreateUnbounded<int>();
        channel.Writer.TryWrite(1);
        Insert(loop, channel.Reader);
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Items, Is.EqualTo(new[] { 1 }));

        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Items, Has.Count.EqualTo(1), "nothing new");

        var writer = new Thread(() =>
        {
            channel.Writer.TryWrite(2);
            channel.Writer.TryWrite(3);
            channel.Writer.Complete();
        });
        writer.Start();
        Waits.DispatchUntilEmpty(loop, ref r, "the source removed itself after the writer completed");
        Waits.Join(writer, "the writer ended");
        Assert.That(r.Items, Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(r.Closed, Is.EqualTo(1));
    }

    [Test]
    public void ABoundedReaderFedFromAnotherThreadDeliversEverything()
    {
        using var loop = new EventLoop<Received>();
        var channel = Bcl.Channel.CreateBounded<int>(16);
        Insert(loop, channel.Reader);
        Thread writer = Waits.Start(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                channel.Writer.WriteAsync(i).AsTask().Wait();
            }
            channel.Writer.Complete(new InvalidOperationException("writer failed"));
        });
        var r = new Received();
        Waits.DispatchUntilEmpty(loop, ref r, TimeSpan.FromSeconds(60), "the source removed itself after the writer completed");
        Waits.Join(writer, "the writer ended");
        Assert.That(r.Items, Has.Count.EqualTo(10_000));
        Assert.That(r.Items[^1], Is.EqualTo(9_999));
        Assert.That(r.Closed, Is.EqualTo(1));
    }
}
