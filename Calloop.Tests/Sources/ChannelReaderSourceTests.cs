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

    [Test]
    public void AtMostMaxMessagesPerDispatchItemsAreDeliveredPerDispatchAndTheRestNext()
    {
        using var loop = new EventLoop<Received>();
        var channel = Bcl.Channel.CreateUnbounded<int>();
        for (int i = 0; i < Channel.MaxMessagesPerDispatch + 5; i++)
        {
            channel.Writer.TryWrite(i);
        }
        Insert(loop, channel.Reader);
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Items, Has.Count.EqualTo(Channel.MaxMessagesPerDispatch));
        loop.Dispatch(TimeSpan.Zero, ref r);
        Assert.That(r.Items, Has.Count.EqualTo(Channel.MaxMessagesPerDispatch + 5), "the rest at the next dispatch, without new readiness");
        Assert.That(r.Items[^1], Is.EqualTo(Channel.MaxMessagesPerDispatch + 4));
        Assert.That(r.Closed, Is.Zero);
    }

    [Test]
    public void ItemsAfterAThrowingCallbackAreDeliveredAtTheNextDispatch()
    {
        using var loop = new EventLoop<Received>();
        var channel = Bcl.Channel.CreateUnbounded<int>();
        channel.Writer.TryWrite(1);
        channel.Writer.TryWrite(2);
        channel.Writer.TryWrite(3);
        loop.Handle.InsertSource(Channel.FromReader(channel.Reader), (evt, ref _, ref r) =>
        {
            r.Items.Add(evt.Message);
            if (evt.Message == 2)
            {
                throw new InvalidOperationException("item 2");
            }
        });
        var r = new Received();
        Assert.That(() => loop.Dispatch(TimeSpan.Zero, ref r), Throws.InvalidOperationException.With.Message.EqualTo("item 2"));
        Assert.That(r.Items, Is.EqualTo(new[] { 1, 2 }));
        // The dispatch after a throw finishes the interrupted batch without waiting; the next one polls again.
        Waits.DispatchUntil(loop, ref r, () => r.Items.Count == 3, "item 3 is delivered after the throw");
        Assert.That(r.Items, Is.EqualTo(new[] { 1, 2, 3 }), "item 3 was not lost");
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
    }

    [Test]
    public void AWriterFailingWhileTheSourceWaitsClosesTheSource()
    {
        using var loop = new EventLoop<Received>();
        var channel = Bcl.Channel.CreateUnbounded<int>();
        Insert(loop, channel.Reader);
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r); // nothing there: the source waits for the reader
        Assert.That(r.Closed, Is.Zero);
        channel.Writer.Complete(new InvalidOperationException("writer failed"));
        Waits.DispatchUntilEmpty(loop, ref r, "the source removed itself after the failure");
        Assert.That(r.Closed, Is.EqualTo(1));
        Assert.That(r.Items, Is.Empty);
        Assert.That(channel.Reader.Completion.IsFaulted, Is.True, "the failure stays on Reader.Completion");
    }

    [Test]
    public void AnUpdatedSourceKeepsDeliveringAndExposesItsReader()
    {
        using var loop = new EventLoop<Received>();
        var channel = Bcl.Channel.CreateUnbounded<int>();
        var source = Channel.FromReader(channel.Reader);
        Assert.That(source.Reader, Is.SameAs(channel.Reader));
        RegistrationToken token = loop.Handle.InsertSource(source, (evt, ref _, ref r) => r.Items.Add(evt.Message));
        var r = new Received();
        loop.Dispatch(TimeSpan.Zero, ref r);
        loop.Handle.Update(token);
        channel.Writer.TryWrite(7);
        Waits.DispatchUntil(loop, ref r, () => r.Items.Count == 1, "the item after Update");
        Assert.That(r.Items, Is.EqualTo(new[] { 7 }));
    }

    [Test]
    public void UpdatingADisposedSourceIsRefused()
    {
        using var loop = new EventLoop<Received>();
        var source = Channel.FromReader(Bcl.Channel.CreateUnbounded<int>().Reader);
        RegistrationToken token = loop.Handle.InsertSource(source, (_, ref _, ref _) => { });
        source.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loop.Handle.Update(token));
    }

    [Test]
    public void DisposingTwiceClosesNoDescriptorReusedInBetween()
    {
        var source = Channel.FromReader(Bcl.Channel.CreateUnbounded<int>().Reader);
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
