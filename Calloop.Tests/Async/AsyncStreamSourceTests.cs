using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Async;

[TestFixture(NotifierKind.EventFd)]
[TestFixture(NotifierKind.Pipe)]
public class AsyncStreamSourceTests(NotifierKind notifier) : NotifierFixture(notifier)
{
    private static async IAsyncEnumerable<int> Slow(List<int> threads, int count, Exception? failAtEnd = null)
    {
        for (int i = 1; i <= count; i++)
        {
            await Task.Delay(1);
            threads.Add(Environment.CurrentManagedThreadId);
            yield return i;
        }
        if (failAtEnd is not null)
        {
            throw failAtEnd;
        }
    }

    private static async IAsyncEnumerable<int> Range(int count)
    {
        await Task.CompletedTask;
        for (int i = 0; i < count; i++)
        {
            yield return i;
        }
    }

    private static void DispatchUntil<TData>(EventLoop<TData> loop, ref TData data, Func<bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!done())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "timed out waiting for the loop");
            loop.Dispatch(TimeSpan.FromSeconds(1), ref data);
        }
    }

    [Test]
    public void AnItemPerEventThenTheEndThenTheSourceRemovesItself([Values(Backend.Epoll, Backend.IoUring)] Backend backend)
    {
        using var loop = new EventLoop<List<string>>(new EventLoopOptions { Backend = backend == Backend.IoUring ? Backends.IoUringTests.Available : backend });
        int loopThread = Environment.CurrentManagedThreadId;
        var threads = new List<int>();
        loop.Handle.InsertSource(new AsyncStreamSource<int>(Slow(threads, 3)), (evt, ref _, ref got) => got.Add(evt.ToString()));
        var got = new List<string>();
        DispatchUntil(loop, ref got, () => loop.Handle.SourceCount == 0);
        Assert.That(got, Is.EqualTo(new[] { "Item(1)", "Item(2)", "Item(3)", "End" }));
        Assert.That(threads, Is.EqualTo(new[] { loopThread, loopThread, loopThread }), "the stream's continuations ran on the loop thread");
    }

    [Test]
    public void AFailingStreamEndsWithItsException()
    {
        using var loop = new EventLoop<List<AsyncStreamEvent<int>>>();
        loop.Handle.InsertSource(new AsyncStreamSource<int>(Slow([], 1, new InvalidDataException("torn"))), (evt, ref _, ref got) => got.Add(evt));
        var got = new List<AsyncStreamEvent<int>>();
        DispatchUntil(loop, ref got, () => loop.Handle.SourceCount == 0);
        Assert.That(got, Has.Count.EqualTo(2));
        Assert.That(got[0].Item, Is.EqualTo(1));
        Assert.That(got[1].IsEnd, Is.True);
        Assert.That(got[1].Exception, Is.TypeOf<InvalidDataException>());
        Assert.Throws<InvalidOperationException>(() => _ = got[1].Item);
    }

    [Test]
    public void AtMost1024ItemsPerDispatch()
    {
        using var loop = new EventLoop<List<AsyncStreamEvent<int>>>();
        loop.Handle.InsertSource(new AsyncStreamSource<int>(Range(1500)), (evt, ref _, ref got) => got.Add(evt));
        var got = new List<AsyncStreamEvent<int>>();
        loop.Dispatch(TimeSpan.Zero, ref got);
        Assert.That(got, Has.Count.EqualTo(1024));
        loop.Dispatch(TimeSpan.Zero, ref got);
        Assert.That(got, Has.Count.EqualTo(1501));
        Assert.That(got[1499].Item, Is.EqualTo(1499));
        Assert.That(got[1500].IsEnd, Is.True);
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void RemovingTheSourceEarlyCancelsTheEnumeration()
    {
        using var loop = new EventLoop<int>();
        CancellationToken seen = default;
        async IAsyncEnumerable<int> Endless([EnumeratorCancellation] CancellationToken ct = default)
        {
            seen = ct;
            yield return 1;
            await Task.Delay(Timeout.Infinite, ct);
        }
        RegistrationToken token = loop.Handle.InsertSource(new AsyncStreamSource<int>(Endless()), (_, ref _, ref n) => n++);
        int items = 0;
        DispatchUntil(loop, ref items, () => items == 1);
        Assert.That(seen.IsCancellationRequested, Is.False);
        loop.Handle.Remove(token);
        Assert.That(seen.IsCancellationRequested, Is.True);
    }

    /// <summary>Yields 1..<paramref name="count"/>, then fails with <paramref name="failAtEnd"/> if given; its disposal throws <paramref name="failOnDispose"/>.</summary>
    private sealed class ThrowingDisposal(int count, Exception? failAtEnd, Exception failOnDispose) : IAsyncEnumerable<int>, IAsyncEnumerator<int>
    {
        public int Current { get; private set; }

        public IAsyncEnumerator<int> GetAsyncEnumerator(CancellationToken cancellationToken = default) => this;

        public ValueTask<bool> MoveNextAsync()
        {
            if (Current < count)
            {
                Current++;
                return new ValueTask<bool>(true);
            }
            return failAtEnd is null ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(failAtEnd);
        }

        public ValueTask DisposeAsync() => ValueTask.FromException(failOnDispose);
    }

    [Test]
    public void AStreamWhoseDisposalThrowsEndsWithThatException()
    {
        using var loop = new EventLoop<List<string>>();
        var stream = new ThrowingDisposal(2, null, new IOException("close failed"));
        loop.Handle.InsertSource(new AsyncStreamSource<int>(stream), (evt, ref _, ref got) => got.Add(evt.ToString()));
        var got = new List<string>();
        DispatchUntil(loop, ref got, () => loop.Handle.SourceCount == 0);
        Assert.That(got, Is.EqualTo(new[] { "Item(1)", "Item(2)", "End(IOException: close failed)" }));
    }

    [Test]
    public void WhenTheStreamAndItsDisposalBothFailTheEndCarriesTheStreamsError()
    {
        using var loop = new EventLoop<List<AsyncStreamEvent<int>>>();
        var stream = new ThrowingDisposal(1, new InvalidDataException("torn"), new IOException("close failed"));
        loop.Handle.InsertSource(new AsyncStreamSource<int>(stream), (evt, ref _, ref got) => got.Add(evt));
        var got = new List<AsyncStreamEvent<int>>();
        DispatchUntil(loop, ref got, () => loop.Handle.SourceCount == 0);
        Assert.That(got, Has.Count.EqualTo(2));
        Assert.That(got[1].Exception, Is.TypeOf<InvalidDataException>().With.Message.EqualTo("torn"));
    }

    [Test]
    public void AnUpdatedStreamSourceStillDeliversEverything()
    {
        using var loop = new EventLoop<List<string>>();
        RegistrationToken token = loop.Handle.InsertSource(new AsyncStreamSource<int>(Range(3)), (evt, ref _, ref got) => got.Add(evt.ToString()));
        loop.Handle.Update(token);
        var got = new List<string>();
        DispatchUntil(loop, ref got, () => loop.Handle.SourceCount == 0);
        Assert.That(got, Is.EqualTo(new[] { "Item(0)", "Item(1)", "Item(2)", "End" }));
    }
}
