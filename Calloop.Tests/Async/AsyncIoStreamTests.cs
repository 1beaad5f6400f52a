using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Async;

/// <summary>The <see cref="Stream"/> of an <see cref="AsyncIo{T}"/> (<c>GetStream</c>): its errors, cancellation and disposal.</summary>
public class AsyncIoStreamTests
{
    private const int EPIPE = 32;
    private const int EBADF = 9;

    private static byte[] Pattern(int length)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)(i * 7 + (i >> 8));
        }
        return data;
    }

    [Test]
    public void AWriteAsyncLargerThanTheSocketBufferWritesEverythingInOrderAsThePeerReads()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using Stream stream = io.GetStream();
        byte[] sent = Pattern(1 << 20);

        ValueTask write = stream.WriteAsync(sent);
        Assert.That(write.IsCompleted, Is.False, "1 MiB does not fit in a socket buffer");
        var received = new MemoryStream();
        var chunk = new byte[64 << 10];
        int data = 0;
        Waits.DispatchUntil(loop, ref data, () =>
        {
            int n;
            while ((n = Fds.Read(peer, chunk)) > 0)
            {
                received.Write(chunk, 0, n);
            }
            return write.IsCompleted;
        }, "the large write completes as the peer reads");
        write.GetAwaiter().GetResult();
        int rest;
        while ((rest = Fds.Read(peer, chunk)) > 0)
        {
            received.Write(chunk, 0, rest);
        }
        Assert.That(received.Length, Is.EqualTo(sent.Length));
        Assert.That(received.ToArray().AsSpan().SequenceEqual(sent), Is.True, "the bytes arrived in order");

        ValueTask next = stream.WriteAsync("next"u8.ToArray());
        Assert.That(next.IsCompletedSuccessfully, Is.True, "the stream takes the next write");
        Assert.That(Fds.Read(peer, chunk), Is.EqualTo(4));
    }

    [Test]
    public void ASecondReadAsyncWhilstOneIsPendingFailsNamingTheDescriptorAndTheFirstStillCompletes()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using Stream stream = io.GetStream();
        var first = new byte[16];
        ValueTask<int> pending = stream.ReadAsync(first);
        Assert.That(pending.IsCompleted, Is.False);

        ValueTask<int> second = stream.ReadAsync(new byte[16]);
        Assert.That(second.IsFaulted, Is.True);
        Assert.That(() => second.GetAwaiter().GetResult(), Throws.InvalidOperationException.With.Message.EqualTo(
            $"AsyncIo stream: a ReadAsync is already pending for fd {io.Fd}; await it before starting another."));

        Fds.Write(peer, "abc"u8);
        int data = 0;
        Waits.DispatchUntil(loop, ref data, () => pending.IsCompleted, "the first read completes");
        Assert.That(pending.GetAwaiter().GetResult(), Is.EqualTo(3));
        Assert.That(first[..3], Is.EqualTo("abc"u8.ToArray()));

        Fds.Write(peer, "d"u8);
        ValueTask<int> third = stream.ReadAsync(first);
        Assert.That(third.IsCompletedSuccessfully, Is.True, "a read after the pending one completed is accepted");
        Assert.That(third.Result, Is.EqualTo(1));
    }

    [Test]
    public void ASecondWriteAsyncWhilstOneIsPendingFailsNamingTheDescriptor()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using Stream stream = io.GetStream();
        ValueTask pending = stream.WriteAsync(Pattern(4 << 20));
        Assert.That(pending.IsCompleted, Is.False);

        ValueTask second = stream.WriteAsync(new byte[1]);
        Assert.That(second.IsFaulted, Is.True);
        Assert.That(() => second.GetAwaiter().GetResult(), Throws.InvalidOperationException.With.Message.EqualTo(
            $"AsyncIo stream: a WriteAsync is already pending for fd {io.Fd}; await it before starting another."));
    }

    [Test]
    public void AnAlreadyCanceledTokenCancelsBeforeAnythingIsReadOrWritten()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using Stream stream = io.GetStream();
        Fds.Write(peer, "x"u8);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var buffer = new byte[4];
        Assert.That(stream.ReadAsync(buffer, cts.Token).IsCanceled, Is.True);
        Assert.That(stream.WriteAsync(new byte[] { 1 }, cts.Token).IsCanceled, Is.True);
        Assert.That(stream.FlushAsync(cts.Token).IsCanceled, Is.True);
        Assert.That(stream.FlushAsync(CancellationToken.None).IsCompletedSuccessfully, Is.True);
        Assert.That(Fds.Read(peer, buffer), Is.EqualTo(-1), "nothing was written");

        Task<int> read = stream.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None);
        Assert.That(read.IsCompletedSuccessfully, Is.True, "the byte is still there for the next read");
        Assert.That(read.Result, Is.EqualTo(1));
        Assert.That(buffer[0], Is.EqualTo((byte)'x'));
    }

    [Test]
    public void CancelingAPendingReadAsyncEndsItAndTheNextReadGetsTheData()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using Stream stream = io.GetStream();
        using var cts = new CancellationTokenSource();
        var buffer = new byte[8];
        ValueTask<int> pending = stream.ReadAsync(buffer, cts.Token);
        Assert.That(pending.IsCompleted, Is.False);

        cts.Cancel();
        int data = 0;
        Waits.DispatchUntil(loop, ref data, () => pending.IsCompleted, "the canceled read ends");
        Assert.That(() => pending.GetAwaiter().GetResult(), Throws.InstanceOf<OperationCanceledException>());

        Fds.Write(peer, "after"u8);
        ValueTask<int> next = stream.ReadAsync(buffer);
        Waits.DispatchUntil(loop, ref data, () => next.IsCompleted, "the next read completes");
        Assert.That(next.GetAwaiter().GetResult(), Is.EqualTo(5));
        Assert.That(buffer[..5], Is.EqualTo("after"u8.ToArray()));
    }

    [Test]
    public void CancelingAPendingWriteAsyncEndsIt()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using Stream stream = io.GetStream();
        using var cts = new CancellationTokenSource();
        Task pending = stream.WriteAsync(Pattern(4 << 20), 0, 4 << 20, cts.Token);
        Assert.That(pending.IsCompleted, Is.False);
        cts.Cancel();
        int data = 0;
        Waits.DispatchUntil(loop, ref data, () => pending.IsCompleted, "the canceled write ends");
        Assert.That(pending.IsCanceled, Is.True);
    }

    [Test]
    public void AWriteToAClosedPeerFailsWithAnIOExceptionNamingWriteTheDescriptorAndTheErrno()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        b.Dispose();
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using Stream stream = io.GetStream();

        ValueTask write = stream.WriteAsync(new byte[] { 1, 2, 3 });
        Assert.That(write.IsFaulted, Is.True);
        var e = Assert.Throws<IOException>(() => write.GetAwaiter().GetResult());
        Assert.That(e!.Message, Does.StartWith($"write failed for fd {io.Fd}: ").And.Contain(": EPIPE (").And.EndWith("errno 32)."));
        Assert.That(e.InnerException, Is.TypeOf<CalloopException>());
        Assert.That(((CalloopException)e.InnerException!).Errno, Is.EqualTo(EPIPE));

        var sync = Assert.Throws<IOException>(() => stream.Write(new byte[] { 1 }, 0, 1));
        Assert.That(sync!.Message, Does.StartWith($"write failed for fd {io.Fd}: ").And.Contain(": EPIPE (").And.EndWith("errno 32)."));
        Assert.That(stream.CanWrite, Is.True, "the stream is not disposed by an error");
    }

    [Test]
    public void AReadFromAWriteOnlyDescriptorFailsWithAnIOExceptionNamingReadAndEbadf()
    {
        using var loop = new EventLoop<int>();
        var (r, w) = Fds.Pipe();
        using var readEnd = r;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(w);
        using Stream stream = io.GetStream();

        ValueTask<int> read = stream.ReadAsync(new byte[4]);
        Assert.That(read.IsFaulted, Is.True);
        var e = Assert.Throws<IOException>(() => read.GetAwaiter().GetResult());
        Assert.That(e!.Message, Does.StartWith($"read failed for fd {io.Fd}: EBADF"));
        Assert.That(((CalloopException)e.InnerException!).Errno, Is.EqualTo(EBADF));
        Assert.That(((CalloopException)e.InnerException!).FileDescriptor, Is.EqualTo(io.Fd));

        stream.Write("ok"u8);
        var got = new byte[4];
        Assert.That(Fds.Read(readEnd, got), Is.EqualTo(2), "the write direction still works");
    }

    [Test]
    public void AReadAsyncFromAnotherThreadThatWouldWaitFailsAndTheStreamStaysUsable()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using Stream stream = io.GetStream();
        var buffer = new byte[4];

        Task<int> foreign = Task.Run(() => stream.ReadAsync(buffer).AsTask());
        Assert.That(() => foreign.GetAwaiter().GetResult(), Throws.InvalidOperationException.With.Message.Contains("thread"));

        Fds.Write(peer, "hi"u8);
        ValueTask<int> read = stream.ReadAsync(buffer);
        Assert.That(read.IsCompletedSuccessfully, Is.True, "no read is left pending by the refused one");
        Assert.That(read.Result, Is.EqualTo(2));
    }

    [Test]
    public void TheStreamIsNotSeekable()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using Stream stream = io.GetStream();
        const string message = "AsyncIo stream: the descriptor is not seekable.";
        Assert.That(stream.CanSeek, Is.False);
        Assert.That(() => stream.Position, Throws.TypeOf<NotSupportedException>().With.Message.EqualTo(message));
        Assert.That(() => stream.Position = 0, Throws.TypeOf<NotSupportedException>().With.Message.EqualTo(message));
        Assert.That(() => stream.Seek(0, SeekOrigin.Begin), Throws.TypeOf<NotSupportedException>().With.Message.EqualTo(message));
        Assert.That(() => stream.SetLength(0), Throws.TypeOf<NotSupportedException>().With.Message.EqualTo(message));
        stream.Flush();
        Assert.That(stream.CanRead && stream.CanWrite, Is.True);
    }

    [Test]
    public void AStreamThatOwnsItsAdapterDisposesItAndItsDescriptor()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        Stream stream = io.GetStream(ownsAdapter: true);
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));

        stream.Dispose();
        Assert.That(stream.CanRead || stream.CanWrite, Is.False);
        Assert.That(loop.Handle.SourceCount, Is.Zero, "the adapter left the loop");
        Assert.That(a.IsClosed, Is.True, "the adapter closed the descriptor");
        Assert.Throws<ObjectDisposedException>(() => stream.ReadAsync(new byte[1]));
        Assert.Throws<ObjectDisposedException>(() => stream.Write(new byte[1]));
        Assert.Throws<ObjectDisposedException>(() => io.GetStream());
    }

    [Test]
    public void AStreamThatDoesNotOwnItsAdapterLeavesItWorking()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        io.GetStream().Dispose();
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
        Assert.That(a.IsClosed, Is.False);
        using Stream again = io.GetStream();
        again.Write("still"u8);
        Assert.That(Fds.Read(peer, new byte[8]), Is.EqualTo(5));
    }

    [Test]
    public void ASynchronousReadBlocksInPollUntilDataArrives()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using Stream stream = io.GetStream();
        var buffer = new byte[8];
        int tid = 0;
        int read = -1;
        Thread reader = Waits.Start(() =>
        {
            Volatile.Write(ref tid, LoopThread.CurrentTid());
            read = stream.Read(buffer, 0, buffer.Length);
        });
        Waits.SpinUntil(() => Volatile.Read(ref tid) != 0 && LoopThread.IsBlockedInWait(Volatile.Read(ref tid)), Waits.Patience,
            "the reader blocks in poll on the empty descriptor");
        Fds.Write(peer, "late"u8);
        Waits.Join(reader, "the read returned once data arrived");
        Assert.That(read, Is.EqualTo(4));
        Assert.That(buffer[..4], Is.EqualTo("late"u8.ToArray()));
    }

    [Test]
    public void ASynchronousWriteLargerThanTheSocketBufferBlocksUntilThePeerReadsAndWritesEverything()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        using AsyncIo<OwnedFd> io = loop.Handle.AdaptIo(a);
        using Stream stream = io.GetStream();
        byte[] sent = Pattern(1 << 20);
        int tid = 0;
        Thread writer = Waits.Start(() =>
        {
            Volatile.Write(ref tid, LoopThread.CurrentTid());
            stream.Write(sent, 0, sent.Length);
        });
        Waits.SpinUntil(() => Volatile.Read(ref tid) != 0 && LoopThread.IsBlockedInWait(Volatile.Read(ref tid)), Waits.Patience,
            "the writer blocks in poll on the full descriptor");
        var received = new MemoryStream();
        var chunk = new byte[64 << 10];
        Waits.SpinUntil(() =>
        {
            int n;
            while ((n = Fds.Read(peer, chunk)) > 0)
            {
                received.Write(chunk, 0, n);
            }
            return received.Length == sent.Length;
        }, Waits.Patience, "everything written arrives");
        Waits.Join(writer, "the write returned");
        Assert.That(received.ToArray().AsSpan().SequenceEqual(sent), Is.True, "the bytes arrived in order");
    }
}
