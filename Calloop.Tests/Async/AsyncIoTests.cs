using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Async;

public class AsyncIoTests
{
    private sealed class Counter
    {
        public long Value;
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
    public void AnAsyncReadStaysPendingUntilAnotherTaskWritesHelloWorld()
    {
        using var loop = new EventLoop<List<string>>();
        var (a, b) = Fds.SocketPair();
        using AsyncIo<OwnedFd> reader = loop.Handle.AdaptIo(a);
        using AsyncIo<OwnedFd> writer = loop.Handle.AdaptIo(b);
        var (executor, scheduler) = Executor.Create<string>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) => got.Add(outcome.GetValue()));

        scheduler.Schedule(async () =>
        {
            var buffer = new byte[64];
            int n = await reader.GetStream().ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, n);
        });
        var got = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            loop.Dispatch(TimeSpan.Zero, ref got);
        }
        Assert.That(got, Is.Empty, "nothing was written yet");

        scheduler.Schedule(async () =>
        {
            await writer.GetStream().WriteAsync("Hello World!"u8.ToArray());
            return "written";
        });
        DispatchUntil(loop, ref got, () => got.Count == 2);
        Assert.That(got, Is.EquivalentTo(new[] { "written", "Hello World!" }));
    }

    [Test]
    public void ReadableIsPendingUntilDataArrives()
    {
        using var loop = new EventLoop<List<int>>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) => got.Add(outcome.GetValue()));
        scheduler.Schedule(async () =>
        {
            await io.Readable();
            return Fds.Drain(io.Inner);
        });
        var got = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            loop.Dispatch(TimeSpan.Zero, ref got);
        }
        Assert.That(got, Is.Empty);
        Fds.Write(peer, "abc"u8);
        DispatchUntil(loop, ref got, () => got.Count == 1);
        Assert.That(got, Is.EqualTo(new[] { 3 }));
    }

    [Test]
    public void WritableIsPendingWhileTheSocketBufferIsFullAndCompletesAfterThePeerDrainsIt()
    {
        using var loop = new EventLoop<List<int>>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        var chunk = new byte[4096];
        long filled = 0;
        int n;
        while ((n = Fds.Write(io.Inner, chunk)) > 0)
        {
            filled += n;
        }
        Assert.That(filled, Is.GreaterThan(0));
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) => got.Add(outcome.GetValue()));
        scheduler.Schedule(async () =>
        {
            await io.Writable();
            return 1;
        });
        var got = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            loop.Dispatch(TimeSpan.Zero, ref got);
        }
        Assert.That(got, Is.Empty, "the send buffer is full");
        Assert.That(Fds.Drain(peer), Is.EqualTo(filled));
        DispatchUntil(loop, ref got, () => got.Count == 1);
        Assert.That(got, Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public void CancelingAPendingReadableFromAnotherThreadResumesOnTheLoopThread()
    {
        using var loop = new EventLoop<List<string>>();
        int loopThread = Environment.CurrentManagedThreadId;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        var (executor, scheduler) = Executor.Create<string>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) => got.Add(outcome.GetValue()));
        using var cts = new CancellationTokenSource();
        var threads = new List<int>();
        scheduler.Schedule(async () =>
        {
            try
            {
                await io.Readable(cts.Token);
                return "ready";
            }
            catch (OperationCanceledException e) when (e.CancellationToken == cts.Token)
            {
                threads.Add(Environment.CurrentManagedThreadId);
                await io.Readable(); // the waiter is reusable after a cancellation
                threads.Add(Environment.CurrentManagedThreadId);
                return "canceled, then ready";
            }
        });
        var got = new List<string>();
        loop.Dispatch(TimeSpan.Zero, ref got);
        Task.Run(cts.Cancel).Wait();
        DispatchUntil(loop, ref got, () => threads.Count == 1);
        Assert.That(got, Is.Empty);
        Fds.Write(peer, "x"u8);
        DispatchUntil(loop, ref got, () => got.Count == 1);
        Assert.That(got, Is.EqualTo(new[] { "canceled, then ready" }));
        Assert.That(threads, Is.EqualTo(new[] { loopThread, loopThread }));
    }

    [Test]
    public void CancelingAStreamWriteFromAnotherThreadAfterItWaitedAgainInTheLoopResumesOnTheLoopThread()
    {
        using var loop = new EventLoop<List<int>>();
        int loopThread = Environment.CurrentManagedThreadId;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        Stream stream = io.GetStream();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) => got.Add(outcome.GetValue()));
        using var cts = new CancellationTokenSource();
        scheduler.Schedule(async () =>
        {
            try
            {
                await stream.WriteAsync(new byte[4 << 20], cts.Token); // waits, writes some in the loop, waits again
                return -1;
            }
            catch (OperationCanceledException)
            {
                return Environment.CurrentManagedThreadId;
            }
        });
        var got = new List<int>();
        loop.Dispatch(TimeSpan.Zero, ref got);
        Assert.That(Fds.Drain(peer), Is.GreaterThan(0));
        loop.Dispatch(TimeSpan.FromSeconds(5), ref got); // writable: the write goes on, then waits again
        Assert.That(Fds.Drain(peer), Is.GreaterThan(0), "the write went on in the loop's dispatch");
        Assert.That(got, Is.Empty);
        Task.Run(cts.Cancel).Wait();
        Waits.DispatchUntil(loop, ref got, () => got.Count == 1, "the canceled write");
        Assert.That(got, Is.EqualTo(new[] { loopThread }));
    }

    [Test]
    public void CancelingOnTheLoopThreadCompletesTheAwaitAtOnce()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using var cts = new CancellationTokenSource();
        int data = 0;
        bool canceled = loop.BlockOn(async () =>
        {
            ValueTask wait = io.Readable(cts.Token);
            cts.Cancel();
            try
            {
                await wait;
                return false;
            }
            catch (OperationCanceledException)
            {
                return true;
            }
        }, ref data);
        Assert.That(canceled, Is.True);
        Assert.That(async () => await io.Readable(cts.Token), Throws.InstanceOf<OperationCanceledException>(), "an already canceled token");
    }

    [Test]
    public void AwaitingReadinessAllocatesNothingAfterWarmUp()
    {
        using var loop = new EventLoop<Counter>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        int loopThread = Environment.CurrentManagedThreadId;
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref _) => outcome.GetValue());
        var counter = new Counter();
        bool offThread = false;
        scheduler.Schedule(async () =>
        {
            while (true)
            {
                await io.Readable();
                offThread |= Environment.CurrentManagedThreadId != loopThread
                    || SynchronizationContext.Current is not LoopSynchronizationContext;
                counter.Value += Fds.Drain(io.Inner);
            }
        });
        loop.Dispatch(TimeSpan.Zero, ref counter); // starts the reader
        long bytes;
        using (Waits.Watchdog dog = Waits.Watch(loop))
        {
            bytes = Alloc.Measure(1000, () =>
            {
                Fds.Write(peer, "x"u8);
                loop.Dispatch(null, ref counter);
            });
            dog.AssertQuiet("every write woke the reader");
        }
        Assert.That(bytes, Is.Zero);
        Assert.That(counter.Value, Is.EqualTo(Alloc.LastRuns));
        Assert.That(offThread, Is.False, "every continuation ran on the loop thread under the loop's context");
    }

    [Test]
    public void AStreamReadAndWriteLoopAllocatesNothingAfterWarmUp()
    {
        using var loop = new EventLoop<Counter>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        Stream stream = io.GetStream();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref _) => outcome.GetValue());
        var counter = new Counter();
        var buffer = new byte[16];
        scheduler.Schedule(async () =>
        {
            while (true)
            {
                int n = await stream.ReadAsync(buffer.AsMemory());
                await stream.WriteAsync(buffer.AsMemory(0, n));
                counter.Value += n;
            }
        });
        loop.Dispatch(TimeSpan.Zero, ref counter);
        long bytes;
        using (Waits.Watchdog dog = Waits.Watch(loop))
        {
            bytes = Alloc.Measure(500, () =>
            {
                Fds.Write(peer, "ping"u8);
                loop.Dispatch(null, ref counter);
                Fds.Drain(peer);
            });
            dog.AssertQuiet("every write woke the stream's reader");
        }
        Assert.That(bytes, Is.Zero);
        Assert.That(counter.Value, Is.EqualTo(Alloc.LastRuns * 4L));
    }

    [Test]
    public void TheSynchronousStreamMembersWorkOnTheNonBlockingDescriptor()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using Stream stream = io.GetStream();
        stream.Write("sync"u8);
        var got = new byte[8];
        Assert.That(Fds.Read(peer, got), Is.EqualTo(4));
        var reader = Task.Run(() => stream.Read(got, 0, got.Length)); // blocks in poll(2) until data arrives
        Fds.Write(peer, "back"u8);
        Assert.That(reader.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(Encoding.ASCII.GetString(got, 0, reader.Result), Is.EqualTo("back"));
        Assert.That(stream.CanSeek, Is.False);
        Assert.Throws<NotSupportedException>(() => _ = stream.Length);
    }

    [Test]
    public void DisposingUnregistersTheDescriptorAndFailsAPendingWait()
    {
        using var loop = new EventLoop<List<TaskOutcome<int>>>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) => got.Add(outcome));
        scheduler.Schedule(async () =>
        {
            await io.Readable();
            return 1;
        });
        var got = new List<TaskOutcome<int>>();
        loop.Dispatch(TimeSpan.Zero, ref got);
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(2));
        io.Dispose();
        io.Dispose();
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1), "the descriptor left the poller");
        Assert.That(a.IsClosed, Is.True, "the adapter owned the handle");
        DispatchUntil(loop, ref got, () => got.Count == 1);
        Assert.That(got[0].Exception, Is.TypeOf<ObjectDisposedException>());
        Assert.Throws<ObjectDisposedException>(() => io.Readable());
    }

    [Test]
    public void UseFromAnotherThreadOrASecondPendingWaitIsRejected()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        var foreign = Task.Run(() => io.Readable());
        Assert.That(() => foreign.GetAwaiter().GetResult(), Throws.InvalidOperationException.With.Message.Contains("thread"));
        ValueTask first = io.Readable();
        Assert.That(() => io.Readable(), Throws.InvalidOperationException.With.Message.Contains("already pending"));
        Fds.Write(peer, "x"u8);
        int data = 0;
        loop.Dispatch(TimeSpan.FromSeconds(5), ref data);
        Assert.That(first.IsCompletedSuccessfully, Is.True);
        first.GetAwaiter().GetResult();
    }

    [Test]
    public void AdaptingAClosedDescriptorFailsClearlyAndLeavesTheLoopUnchanged()
    {
        using var loop = new EventLoop<int>();
        const int fd = 900_000; // above any descriptor this process has open
        var e = Assert.Throws<CalloopException>(() => loop.Handle.AdaptIo(new FileDescriptor(fd)));
        Assert.That(e!.Errno, Is.EqualTo(9));
        Assert.That(e.FileDescriptor, Is.EqualTo(fd));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    private static async IAsyncEnumerable<int> Pending()
    {
        await Task.Delay(Timeout.Infinite);
        yield return 0;
    }

    [Test]
    public void NoDescriptorLeaks()
    {
        int before = Fds.OpenCountBefore();
        for (int round = 0; round < 3; round++)
        {
            using var loop = new EventLoop<int>();
            var (a, b) = Fds.SocketPair();
            AsyncIo<OwnedFd> left = loop.Handle.AdaptIo(a);
            AsyncIo<OwnedFd> right = loop.Handle.AdaptIo(b);
            var (executor, scheduler) = Executor.Create<int>();
            loop.Handle.InsertSource(executor, (_, ref _, ref _) => { });
            int data = 0;
            int echoed = loop.BlockOn(async () =>
            {
                await right.GetStream().WriteAsync("hi"u8.ToArray());
                var buffer = new byte[2];
                return await left.GetStream().ReadAsync(buffer);
            }, ref data);
            Assert.That(echoed, Is.EqualTo(2));
            scheduler.Schedule(async () =>
            {
                await left.Readable(); // still pending when the loop goes away
                return 0;
            });
            loop.Handle.InsertSource(new AsyncStreamSource<int>(Pending()), (_, ref _, ref _) => { });
            _ = loop.Handle.Delay(TimeSpan.FromHours(1));
            loop.Dispatch(TimeSpan.Zero, ref data);
            left.Dispose();
            // right is disposed after its loop: it must still close its descriptor.
            loop.Dispose();
            right.Dispose();
        }
        Assert.That(Fds.OpenCount(), Is.EqualTo(before));
    }

    [Test]
    public void SocketsAcceptConnectAndEchoOverLoopbackTcp()
    {
        using var loop = new EventLoop<int>();
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen();
        var endPoint = (System.Net.IPEndPoint)listener.LocalEndPoint!;
        int data = 0;
        string echoed = loop.BlockOn(async () =>
        {
            using var accepting = loop.Handle.AdaptIo(listener, leaveOpen: true);
            using var client = loop.Handle.AdaptIo(new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp));
            Assert.That(client.Inner.Blocking, Is.False);
            try
            {
                client.Inner.Connect(endPoint);
            }
            catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode is System.Net.Sockets.SocketError.WouldBlock or System.Net.Sockets.SocketError.InProgress)
            {
                await client.Writable();
            }
            await accepting.Readable();
            using var server = loop.Handle.AdaptIo(listener.Accept());
            Stream serverStream = server.GetStream();
            Stream clientStream = client.GetStream();
            await clientStream.WriteAsync("ping\n"u8.ToArray());
            var buffer = new byte[16];
            int n = await serverStream.ReadAsync(buffer);
            await serverStream.WriteAsync(buffer.AsMemory(0, n));
            n = await clientStream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, n);
        }, ref data);
        Assert.That(echoed, Is.EqualTo("ping\n"));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void AReadyDescriptorNobodyAwaitsDoesNotWakeTheLoop()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        ValueTask wait = io.Readable();
        Fds.Write(peer, "unread"u8);
        int data = 0;
        loop.Dispatch(TimeSpan.FromSeconds(5), ref data);
        Assert.That(wait.IsCompletedSuccessfully, Is.True);
        wait.GetAwaiter().GetResult();

        // The data stays unread and nobody awaits: the loop must sleep its whole timeout.
        var timeout = TimeSpan.FromMilliseconds(50);
        Instant start = Instant.Now;
        loop.Dispatch(timeout, ref data);
        Assert.That(Instant.Now - start, Is.GreaterThanOrEqualTo(timeout));

        // A hang-up with nobody awaiting is reported at most once, then the loop sleeps again.
        peer.Dispose();
        loop.Dispatch(TimeSpan.Zero, ref data);
        start = Instant.Now;
        loop.Dispatch(timeout, ref data);
        Assert.That(Instant.Now - start, Is.GreaterThanOrEqualTo(timeout));
    }

    [Test]
    public void AWaitAfterTheLoopWasDisposedIsRefusedNamingTheOperation()
    {
        var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        loop.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => io.Readable());
        Assert.That(e!.Message, Does.StartWith("AsyncIo.Readable was called on an event loop that has been disposed."));
        Assert.Throws<ObjectDisposedException>(() => io.Writable());
        io.Dispose();
        Assert.That(a.IsClosed, Is.True, "disposing the adapter still closes the descriptor");
    }
}
