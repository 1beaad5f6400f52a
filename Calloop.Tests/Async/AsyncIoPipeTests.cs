using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Async;

public class AsyncIoPipeTests
{
    private sealed class Counter
    {
        public long Value;
    }

    /// <summary>Takes one '\n'-terminated line off the front of <paramref name="buffer"/>.</summary>
    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out string line)
    {
        SequencePosition? end = buffer.PositionOf((byte)'\n');
        if (end is null)
        {
            line = "";
            return false;
        }
        line = Encoding.ASCII.GetString(buffer.Slice(0, end.Value));
        buffer = buffer.Slice(buffer.GetPosition(1, end.Value));
        return true;
    }

    private static (EventLoop<List<TaskOutcome<int>>> Loop, Scheduler<int> Scheduler) LoopWithExecutor()
    {
        var loop = new EventLoop<List<TaskOutcome<int>>>();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) => got.Add(outcome));
        return (loop, scheduler);
    }

    /// <summary>Dispatches a few times without waiting: what is ready runs, nothing else.</summary>
    private static void DispatchReady<TData>(EventLoop<TData> loop, ref TData data)
    {
        for (int i = 0; i < 3; i++)
        {
            loop.Dispatch(TimeSpan.Zero, ref data);
        }
    }

    [Test]
    public void ALineProtocolIsParsedAcrossPartialWritesOnTheLoopThread()
    {
        var (loop, scheduler) = LoopWithExecutor();
        using var _ = loop;
        int loopThread = Environment.CurrentManagedThreadId;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        PipeReader reader = io.GetPipe().Input;
        var lines = new List<string>();
        var threads = new HashSet<int>();
        int reads = 0;
        scheduler.Schedule(async () =>
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync();
                reads++;
                threads.Add(Environment.CurrentManagedThreadId);
                Assert.That(SynchronizationContext.Current, Is.InstanceOf<LoopSynchronizationContext>());
                ReadOnlySequence<byte> buffer = result.Buffer;
                while (TryReadLine(ref buffer, out string line))
                {
                    lines.Add(line);
                }
                if (result.IsCompleted)
                {
                    lines.Add($"rest:{Encoding.ASCII.GetString(buffer)}");
                    reader.AdvanceTo(buffer.End);
                    await reader.CompleteAsync();
                    return reads;
                }
                reader.AdvanceTo(buffer.Start, buffer.End); // the lines consumed, the partial line examined
            }
        });
        var got = new List<TaskOutcome<int>>();
        DispatchReady(loop, ref got);
        Assert.That(reads, Is.Zero, "nothing was written yet");

        Fds.Write(peer, "hel"u8);
        Waits.DispatchUntil(loop, ref got, () => reads == 1, "the first read");
        Assert.That(lines, Is.Empty, "a partial line");
        DispatchReady(loop, ref got);
        Assert.That(reads, Is.EqualTo(1), "examined data is not returned again until more arrives");

        Fds.Write(peer, "lo\nwor"u8);
        Waits.DispatchUntil(loop, ref got, () => lines.Count == 1, "the first line");
        Assert.That(lines, Is.EqualTo(new[] { "hello" }));

        Fds.Write(peer, "ld\n\nthird\ntai"u8);
        Waits.DispatchUntil(loop, ref got, () => lines.Count == 4, "three more lines");
        Fds.Write(peer, "l"u8);
        peer.Dispose();
        Waits.DispatchUntil(loop, ref got, () => got.Count == 1, "the end of the stream");
        Assert.That(got[0].GetValue(), Is.EqualTo(reads));
        Assert.That(lines, Is.EqualTo(new[] { "hello", "world", "", "third", "rest:tail" }));
        Assert.That(threads, Is.EqualTo(new[] { loopThread }), "every continuation ran on the loop thread");
    }

    [Test]
    public void WritingWithGetMemoryAdvanceAndFlushAsyncWaitsWhileTheDescriptorIsFull()
    {
        var (loop, scheduler) = LoopWithExecutor();
        using var _ = loop;
        int loopThread = Environment.CurrentManagedThreadId;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        PipeWriter writer = io.GetPipe().Output;
        const int Size = 1 << 20; // far more than a socket buffer holds
        int pendingFlushes = 0;
        var threads = new HashSet<int>();
        scheduler.Schedule(async () =>
        {
            int written = 0;
            while (written < Size)
            {
                Memory<byte> memory = writer.GetMemory(1);
                int n = Math.Min(memory.Length, Size - written);
                for (int i = 0; i < n; i++)
                {
                    memory.Span[i] = (byte)(written + i);
                }
                writer.Advance(n);
                written += n;
                if (writer.UnflushedBytes >= 32 * 1024 || written == Size)
                {
                    ValueTask<FlushResult> flush = writer.FlushAsync();
                    if (!flush.IsCompleted)
                    {
                        pendingFlushes++;
                    }
                    FlushResult result = await flush;
                    Assert.That(result.IsCanceled || result.IsCompleted, Is.False);
                    threads.Add(Environment.CurrentManagedThreadId);
                }
            }
            Assert.That(writer.UnflushedBytes, Is.Zero);
            return written;
        });
        var got = new List<TaskOutcome<int>>();
        long received = 0;
        var chunk = new byte[8192];
        Waits.DispatchUntil(loop, ref got, () =>
        {
            int n;
            while ((n = Fds.Read(peer, chunk)) > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    if (chunk[i] != (byte)(received + i))
                    {
                        Assert.Fail($"byte {received + i} is {chunk[i]}");
                    }
                }
                received += n;
            }
            return got.Count == 1 && received == Size;
        }, "the peer received everything");
        Assert.That(got[0].GetValue(), Is.EqualTo(Size));
        Assert.That(pendingFlushes, Is.GreaterThan(0), "some flush had to wait for the peer");
        Assert.That(threads, Is.EqualTo(new[] { loopThread }));
    }

    [Test]
    public void CompletingTheReaderAndWriterClosesNothingTheCallerOwns()
    {
        var (loop, _) = LoopWithExecutor();
        using var __ = loop;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        IDuplexPipe pipe = io.GetPipe();
        int sources = loop.Handle.SourceCount;
        pipe.Input.Complete();
        pipe.Output.Complete();
        pipe.Output.Complete(); // harmless when repeated
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(sources), "the adapter is still in the loop");
        Assert.That(a.IsClosed, Is.False);
        Fds.Write(peer, "still"u8);
        var bytes = new byte[8];
        Assert.That(io.GetStream().Read(bytes), Is.EqualTo(5), "the descriptor still works");
        Assert.Throws<InvalidOperationException>(() => pipe.Input.ReadAsync(), "a completed reader");
    }

    [Test]
    public void WithOwnsAdapterCompletingBothEndsDisposesTheAdapter()
    {
        var (loop, _) = LoopWithExecutor();
        using var __ = loop;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        IDuplexPipe pipe = io.GetPipe(ownsAdapter: true);
        int sources = loop.Handle.SourceCount;
        pipe.Input.Complete();
        Assert.That(a.IsClosed, Is.False, "the writer is still open");
        pipe.Output.Complete();
        Assert.That(a.IsClosed, Is.True, "the adapter owned the handle");
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(sources - 1), "the descriptor left the loop");
        Assert.Throws<ObjectDisposedException>(() => io.GetPipe());
    }

    [Test]
    public void CompleteAsyncFlushesWhatIsLeft()
    {
        var (loop, _) = LoopWithExecutor();
        using var __ = loop;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        PipeWriter writer = io.GetPipe().Output;
        var got = new List<TaskOutcome<int>>();
        loop.BlockOn(async () =>
        {
            writer.Write("unflushed"u8);
            await writer.CompleteAsync();
        }, ref got);
        var bytes = new byte[16];
        Assert.That(Encoding.ASCII.GetString(bytes, 0, Fds.Read(peer, bytes)), Is.EqualTo("unflushed"));
    }

    [Test]
    public void CancelPendingReadEndsAReadWithIsCanceledOnTheLoopThreadAndReadingGoesOn()
    {
        var (loop, scheduler) = LoopWithExecutor();
        using var _ = loop;
        int loopThread = Environment.CurrentManagedThreadId;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        PipeReader reader = io.GetPipe().Input;
        var events = new List<string>();
        scheduler.Schedule(async () =>
        {
            // Before a read: the next read returns at once, canceled.
            reader.CancelPendingRead();
            ReadResult result = await reader.ReadAsync();
            events.Add($"canceled={result.IsCanceled} length={result.Buffer.Length} loop={Environment.CurrentManagedThreadId == loopThread}");
            reader.AdvanceTo(result.Buffer.Start);
            // While a read is pending: canceled from another thread.
            result = await reader.ReadAsync();
            events.Add($"canceled={result.IsCanceled} length={result.Buffer.Length} loop={Environment.CurrentManagedThreadId == loopThread}");
            reader.AdvanceTo(result.Buffer.Start);
            result = await reader.ReadAsync();
            events.Add($"canceled={result.IsCanceled} data={Encoding.ASCII.GetString(result.Buffer)} loop={Environment.CurrentManagedThreadId == loopThread}");
            reader.AdvanceTo(result.Buffer.End);
            return 0;
        });
        var got = new List<TaskOutcome<int>>();
        Waits.DispatchUntil(loop, ref got, () => events.Count == 1, "the read canceled beforehand");
        DispatchReady(loop, ref got);
        Assert.That(events, Has.Count.EqualTo(1), "the second read is pending");
        Task.Run(reader.CancelPendingRead).Wait();
        Waits.DispatchUntil(loop, ref got, () => events.Count == 2, "the read canceled from another thread");
        Fds.Write(peer, "data"u8);
        Waits.DispatchUntil(loop, ref got, () => got.Count == 1, "the read after the cancellations");
        got[0].GetValue();
        Assert.That(events, Is.EqualTo(new[]
        {
            "canceled=True length=0 loop=True",
            "canceled=True length=0 loop=True",
            "canceled=False data=data loop=True",
        }));
    }

    [Test]
    public void ACanceledTokenEndsAPendingReadWithOperationCanceledExceptionOnTheLoopThread()
    {
        var (loop, scheduler) = LoopWithExecutor();
        using var _ = loop;
        int loopThread = Environment.CurrentManagedThreadId;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        PipeReader reader = io.GetPipe().Input;
        using var cts = new CancellationTokenSource();
        var threads = new List<int>();
        string? read = null;
        scheduler.Schedule(async () =>
        {
            try
            {
                await reader.ReadAsync(cts.Token);
                return 1;
            }
            catch (OperationCanceledException e) when (e.CancellationToken == cts.Token)
            {
                threads.Add(Environment.CurrentManagedThreadId);
            }
            ReadResult result = await reader.ReadAsync(); // the reader is usable after a cancellation
            threads.Add(Environment.CurrentManagedThreadId);
            read = Encoding.ASCII.GetString(result.Buffer);
            reader.AdvanceTo(result.Buffer.End);
            return 0;
        });
        var got = new List<TaskOutcome<int>>();
        DispatchReady(loop, ref got);
        Task.Run(cts.Cancel).Wait();
        Waits.DispatchUntil(loop, ref got, () => threads.Count == 1, "the canceled read");
        Fds.Write(peer, "after"u8);
        Waits.DispatchUntil(loop, ref got, () => got.Count == 1, "the read after the cancellation");
        Assert.That(got[0].GetValue(), Is.Zero);
        Assert.That(read, Is.EqualTo("after"));
        Assert.That(threads, Is.EqualTo(new[] { loopThread, loopThread }));
    }

    [Test]
    public void CancelingAFlushFromAnotherThreadAfterItWaitedMoreThanOnceResumesOnTheLoopThread()
    {
        var (loop, scheduler) = LoopWithExecutor();
        using var _ = loop;
        int loopThread = Environment.CurrentManagedThreadId;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        PipeWriter writer = io.GetPipe().Output;
        using var cts = new CancellationTokenSource();
        var threads = new List<int>();
        scheduler.Schedule(async () =>
        {
            writer.Write(new byte[4 << 20]); // far more than the socket buffer: the flush waits, and waits again
            try
            {
                await writer.FlushAsync(cts.Token);
                return 1;
            }
            catch (OperationCanceledException)
            {
                threads.Add(Environment.CurrentManagedThreadId);
                return 0;
            }
        });
        var got = new List<TaskOutcome<int>>();
        DispatchReady(loop, ref got);
        // The peer takes some: the flush writes more in the loop's dispatch and waits for writability again there.
        var chunk = new byte[64 * 1024];
        long drained = 0;
        int n;
        while ((n = Fds.Read(peer, chunk)) > 0)
        {
            drained += n;
        }
        Assert.That(drained, Is.GreaterThan(0));
        DispatchReady(loop, ref got);
        Assert.That(got, Is.Empty, "the flush is still pending");
        Assert.That(Fds.Read(peer, chunk), Is.GreaterThan(0), "the flush wrote more after the peer drained");
        Task.Run(cts.Cancel).Wait();
        Waits.DispatchUntil(loop, ref got, () => got.Count == 1, "the canceled flush");
        Assert.That(got[0].GetValue(), Is.Zero);
        Assert.That(threads, Is.EqualTo(new[] { loopThread }), "the canceled flush resumed on the loop thread");
    }

    [Test]
    public void WritingToAClosedPeerThrowsIOExceptionNamingTheDescriptorAndErrno()
    {
        var (loop, _) = LoopWithExecutor();
        using var __ = loop;
        var (a, b) = Fds.SocketPair();
        b.Dispose();
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        PipeWriter writer = io.GetPipe().Output;
        var got = new List<TaskOutcome<int>>();
        var e = Assert.Throws<IOException>(() => loop.BlockOn(async () =>
        {
            writer.Write("lost"u8);
            await writer.FlushAsync();
        }, ref got));
        AssertNamesTheFailure(e!, "write", io.Fd, 32, "EPIPE");
    }

    [Test]
    public void ReadingADescriptorThatCannotBeReadThrowsIOExceptionNamingTheDescriptorAndErrno()
    {
        var (loop, _) = LoopWithExecutor();
        using var __ = loop;
        var (r, w) = Fds.Pipe();
        using var readEnd = r;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(w); // the write end: read(2) fails with EBADF
        PipeReader reader = io.GetPipe().Input;
        var got = new List<TaskOutcome<int>>();
        var e = Assert.Throws<IOException>(() => loop.BlockOn(async () => await reader.ReadAsync(), ref got));
        AssertNamesTheFailure(e!, "read", io.Fd, 9, "EBADF");
    }

    [Test]
    public void UseFromAnotherThreadOrASecondPendingReadIsRejected()
    {
        var (loop, _) = LoopWithExecutor();
        using var __ = loop;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        IDuplexPipe pipe = io.GetPipe();
        Assert.That(() => Task.Run(() => io.GetPipe()).GetAwaiter().GetResult(), Throws.InvalidOperationException.With.Message.Contains("thread"));
        Assert.That(() => Task.Run(() => pipe.Input.ReadAsync()).GetAwaiter().GetResult(), Throws.InvalidOperationException.With.Message.Contains("thread"));
        Assert.That(() => Task.Run(() => pipe.Output.FlushAsync()).GetAwaiter().GetResult(), Throws.InvalidOperationException.With.Message.Contains("thread"));
        ValueTask<ReadResult> first = pipe.Input.ReadAsync();
        Assert.That(first.IsCompleted, Is.False);
        Assert.That(() => pipe.Input.ReadAsync(), Throws.InvalidOperationException.With.Message.Contains("already pending").And.Message.Contains($"fd {io.Fd}"));
        Fds.Write(peer, "x"u8);
        var got = new List<TaskOutcome<int>>();
        Waits.DispatchUntil(loop, ref got, () => first.IsCompleted, "the first read");
        ReadResult result = first.Result;
        Assert.That(result.Buffer.Length, Is.EqualTo(1));
        pipe.Input.AdvanceTo(result.Buffer.End);
    }

    [Test]
    public void ReadingMessagesThroughThePipeReaderAllocatesNothingAfterWarmUp()
    {
        using var loop = new EventLoop<Counter>();
        int loopThread = Environment.CurrentManagedThreadId;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        PipeReader reader = io.GetPipe().Input;
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref _) => outcome.GetValue());
        var counter = new Counter();
        bool offThread = false;
        scheduler.Schedule(async () =>
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync();
                offThread |= Environment.CurrentManagedThreadId != loopThread
                    || SynchronizationContext.Current is not LoopSynchronizationContext;
                ReadOnlySequence<byte> buffer = result.Buffer;
                while (buffer.PositionOf((byte)'\n') is SequencePosition end)
                {
                    counter.Value++;
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        });
        loop.Dispatch(TimeSpan.Zero, ref counter); // starts the reader
        long bytes;
        using (Waits.Watchdog dog = Waits.Watch(loop))
        {
            bytes = Alloc.Measure(1000, () =>
            {
                Fds.Write(peer, "message\n"u8);
                loop.Dispatch(null, ref counter); // one dispatch: the readiness completes the read and the parser runs
            });
            dog.AssertQuiet("every message woke the reader");
        }
        Assert.That(bytes, Is.Zero);
        Assert.That(counter.Value, Is.EqualTo(Alloc.LastRuns), "one message parsed per dispatch");
        Assert.That(offThread, Is.False, "every continuation ran on the loop thread under the loop's context");
    }

    [Test]
    public void AnEchoThroughThePipeReaderAndWriterAllocatesNothingAfterWarmUp()
    {
        using var loop = new EventLoop<Counter>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        IDuplexPipe pipe = io.GetPipe();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref _) => outcome.GetValue());
        var counter = new Counter();
        scheduler.Schedule(async () =>
        {
            while (true)
            {
                ReadResult result = await pipe.Input.ReadAsync();
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    pipe.Output.Write(segment.Span);
                }
                counter.Value += result.Buffer.Length;
                pipe.Input.AdvanceTo(result.Buffer.End);
                await pipe.Output.FlushAsync();
            }
        });
        loop.Dispatch(TimeSpan.Zero, ref counter);
        var echoed = new byte[16];
        long bytes;
        using (Waits.Watchdog dog = Waits.Watch(loop))
        {
            bytes = Alloc.Measure(500, () =>
            {
                Fds.Write(peer, "ping"u8);
                loop.Dispatch(null, ref counter);
                if (Fds.Read(peer, echoed) != 4)
                {
                    Assert.Fail("the echo was not written in the same dispatch");
                }
            });
            dog.AssertQuiet("every write woke the echo");
        }
        Assert.That(bytes, Is.Zero);
        Assert.That(counter.Value, Is.EqualTo(Alloc.LastRuns * 4L));
    }

    [Test]
    public void NoDescriptorLeaks()
    {
        int before = Fds.OpenCountBefore();
        for (int round = 0; round < 3; round++)
        {
            var (loop, scheduler) = LoopWithExecutor();
            var (a, b) = Fds.SocketPair();
            AsyncIo<OwnedFd> left = loop.Handle.AdaptIo(a);
            AsyncIo<OwnedFd> right = loop.Handle.AdaptIo(b);
            IDuplexPipe leftPipe = left.GetPipe(ownsAdapter: true);
            IDuplexPipe rightPipe = right.GetPipe();
            var got = new List<TaskOutcome<int>>();
            string echoed = loop.BlockOn(async () =>
            {
                rightPipe.Output.Write("hi"u8);
                await rightPipe.Output.FlushAsync();
                ReadResult result = await leftPipe.Input.ReadAtLeastAsync(2);
                string text = Encoding.ASCII.GetString(result.Buffer);
                leftPipe.Input.AdvanceTo(result.Buffer.End);
                return text;
            }, ref got);
            Assert.That(echoed, Is.EqualTo("hi"));
            scheduler.Schedule(async () =>
            {
                await rightPipe.Input.ReadAsync(); // still pending when the loop goes away
                return 0;
            });
            loop.Dispatch(TimeSpan.Zero, ref got);
            leftPipe.Input.Complete();
            leftPipe.Output.Complete(); // disposes left, which owns a
            // right is disposed after its loop: it must still close its descriptor.
            loop.Dispose();
            right.Dispose();
        }
        Assert.That(Fds.OpenCount(), Is.EqualTo(before));
    }

    /// <summary>An I/O failure surfaces as an <see cref="IOException"/> naming the operation and the descriptor, over the <see cref="CalloopException"/> with its errno.</summary>
    private static void AssertNamesTheFailure(IOException e, string operation, int fd, int errno, string errnoName)
    {
        var inner = e.InnerException as CalloopException;
        Assert.That(inner, Is.Not.Null, e.ToString());
        Assert.That(inner!.Errno, Is.EqualTo(errno), errnoName);
        Assert.That(inner.FileDescriptor, Is.EqualTo(fd));
        Assert.That(e.Message, Does.Contain(operation).And.Contain($"{fd}"));
    }
}
