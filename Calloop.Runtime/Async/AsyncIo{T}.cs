using System;
using System.IO;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Calloop.Interop;

namespace Calloop;

/// <summary>
/// A file descriptor adapted to async/await on an event loop: <see cref="Readable"/> and <see cref="Writable"/>
/// complete when the loop's poller reports the readiness, and <see cref="GetStream"/> gives a <see cref="Stream"/>
/// whose <c>ReadAsync</c>/<c>WriteAsync</c> wait that way. Create it with
/// <see cref="LoopHandleAsync.AdaptIo{TData}(LoopHandle{TData}, System.Net.Sockets.Socket, bool)"/> and its
/// overloads; the descriptor is switched to non-blocking mode.
/// </summary>
/// <remarks>
/// Use it on the loop thread. Each await of <see cref="Readable"/> or <see cref="Writable"/> reuses one awaitable per
/// direction and one <c>epoll_ctl</c>, and allocates nothing; one wait per direction may be pending at a time. Code
/// awaiting under a loop <see cref="System.Threading.SynchronizationContext"/> (work of an <see cref="Executor{T}"/>,
/// <see cref="EventLoop{TData}.BlockOn{T}(Func{Task{T}}, ref TData, CancellationToken)"/>) resumes on the loop thread, also after a
/// cancellation from another thread. Disposing unregisters the descriptor from the poller.
/// </remarks>
/// <typeparam name="T">The wrapped object: a socket, a <see cref="SafeHandle"/> or a <see cref="FileDescriptor"/>.</typeparam>
public sealed class AsyncIo<T> : IDisposable
    where T : notnull
{
    private readonly SafeHandle? _handle;
    private readonly bool _leaveOpen;
    private readonly IoSource _source;
    private IoRegistration? _registration;
    private bool _disposed;

    private AsyncIo(T inner, SafeHandle? handle, int fd, bool leaveOpen)
    {
        Inner = inner;
        _handle = handle;
        Fd = fd;
        _leaveOpen = leaveOpen;
        _source = new IoSource(fd);
    }

    /// <summary>The wrapped object. Use it to read and write; do not close it while this adapter lives.</summary>
    public T Inner { get; }

    /// <summary>The descriptor.</summary>
    public int Fd { get; }

    internal static AsyncIo<T> Create<TData>(LoopHandle<TData> loop, T inner, SafeHandle? handle, int fd, bool leaveOpen)
    {
        loop.Registry.State.CheckThread("LoopHandle.AdaptIo");
        bool added = false;
        if (handle is not null)
        {
            ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
            handle.DangerousAddRef(ref added);
        }
        try
        {
            NonBlocking.Set(fd, "LoopHandle.AdaptIo");
            var io = new AsyncIo<T>(inner, handle, fd, leaveOpen);
            RegistrationToken token = loop.InsertSource(io._source, default(NoCallback<TData>));
            io._registration = new IoRegistration<TData>(loop, token);
            return io;
        }
        catch
        {
            if (added)
            {
                handle!.DangerousRelease();
            }
            throw;
        }
    }

    /// <summary>Completes when the descriptor is readable (or in error, or its peer hung up).</summary>
    /// <param name="cancellationToken">Cancels the wait: the await then throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="InvalidOperationException">Called from another thread than the loop's, or while a <see cref="Readable"/> wait is pending.</exception>
    /// <exception cref="ObjectDisposedException">The adapter was disposed, or its loop was.</exception>
    public ValueTask Readable(CancellationToken cancellationToken = default) => Wait(_source.Read, "AsyncIo.Readable", cancellationToken);

    /// <summary>Completes when the descriptor is writable (or in error).</summary>
    /// <param name="cancellationToken">Cancels the wait: the await then throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="InvalidOperationException">Called from another thread than the loop's, or while a <see cref="Writable"/> wait is pending.</exception>
    /// <exception cref="ObjectDisposedException">The adapter was disposed, or its loop was.</exception>
    public ValueTask Writable(CancellationToken cancellationToken = default) => Wait(_source.Write, "AsyncIo.Writable", cancellationToken);

    /// <summary>
    /// A stream over the descriptor: <c>ReadAsync</c>/<c>WriteAsync</c> use non-blocking reads and writes and await
    /// <see cref="Readable"/>/<see cref="Writable"/> when the descriptor would block; the synchronous members block the
    /// calling thread in poll(2).
    /// </summary>
    /// <param name="ownsAdapter">True to dispose this adapter when the stream is disposed.</param>
    public Stream GetStream(bool ownsAdapter = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new AsyncIoStream<T>(this, ownsAdapter);
    }

    /// <summary>
    /// A <see cref="PipeReader"/> and <see cref="PipeWriter"/> over the descriptor, for code written against
    /// System.IO.Pipelines (protocol parsers): <see cref="IDuplexPipe.Input"/> reads with non-blocking read(2) and
    /// awaits <see cref="Readable"/> when there is nothing to read; <see cref="IDuplexPipe.Output"/> buffers what is
    /// written and, on <c>FlushAsync</c>, writes it with non-blocking write(2), awaiting <see cref="Writable"/> while the
    /// descriptor is full.
    /// </summary>
    /// <remarks>
    /// The reader and writer are the runtime's own (<see cref="PipeReader.Create(Stream, StreamPipeReaderOptions?)"/>,
    /// <see cref="PipeWriter.Create(Stream, StreamPipeWriterOptions?)"/> over <see cref="GetStream"/>), whose pending
    /// <c>ReadAsync</c> and <c>FlushAsync</c> complete inline on the loop thread: code awaiting them under a loop
    /// <see cref="SynchronizationContext"/> resumes in the dispatch that saw the readiness and allocates nothing per read or
    /// flush after warm-up. Use them on the loop thread; <c>CancelPendingRead</c> and <c>CancelPendingFlush</c> may be
    /// called from any thread. A failing read or write throws <see cref="IOException"/> whose inner
    /// <see cref="CalloopException"/> names the call, the descriptor and the errno. Completing the writer flushes what is
    /// left (<c>Complete</c> blocks the thread in poll(2) while the descriptor is full; prefer <c>CompleteAsync</c>); it
    /// does not shut the connection down.
    /// </remarks>
    /// <param name="readerOptions">
    /// Buffer pool and sizes of the reader (<see cref="StreamPipeReaderOptions.Pool"/>, <see cref="StreamPipeReaderOptions.BufferSize"/>,
    /// <see cref="StreamPipeReaderOptions.MinimumReadSize"/>, <see cref="StreamPipeReaderOptions.UseZeroByteReads"/>); null for the
    /// defaults. Its <see cref="StreamPipeReaderOptions.LeaveOpen"/> is not used: <paramref name="ownsAdapter"/> decides.
    /// </param>
    /// <param name="writerOptions">
    /// Buffer pool and segment size of the writer; null for the defaults. Its <see cref="StreamPipeWriterOptions.LeaveOpen"/>
    /// is not used: <paramref name="ownsAdapter"/> decides.
    /// </param>
    /// <param name="ownsAdapter">
    /// True to dispose this adapter (and so, unless it was created with <c>leaveOpen</c>, the wrapped object) once both
    /// the reader and the writer are completed. False (the default): completing them releases their buffers only.
    /// </param>
    /// <exception cref="InvalidOperationException">Called from another thread than the loop's.</exception>
    /// <exception cref="ObjectDisposedException">The adapter was disposed, or its loop was.</exception>
    public IDuplexPipe GetPipe(StreamPipeReaderOptions? readerOptions = null, StreamPipeWriterOptions? writerOptions = null, bool ownsAdapter = false)
    {
        CheckUsable("AsyncIo.GetPipe");
        return new AsyncIoPipe<T>(this, readerOptions, writerOptions, ownsAdapter);
    }

    /// <summary>Throws unless called on the loop thread while this adapter and its loop are alive.</summary>
    internal void CheckUsable(string operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration!.CheckThread(operation);
    }

    private ValueTask Wait(IoWaiter waiter, string operation, CancellationToken cancellationToken)
    {
        IoRegistration registration = _registration!;
        registration.CheckThread(operation);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_source.IsDisposed)
        {
            throw new ObjectDisposedException(GetType().Name, $"{operation}: fd {Fd} is no longer in its event loop (the loop was disposed).");
        }
        ValueTask wait = waiter.Begin(Fd, cancellationToken);
        if (!wait.IsCompleted)
        {
            try
            {
                _source.Arm();
            }
            catch (CalloopException e)
            {
                waiter.Fail(e);
            }
        }
        return wait;
    }

    /// <summary>
    /// Removes the descriptor from the loop (a pending wait fails with <see cref="ObjectDisposedException"/>) and
    /// disposes the wrapped object unless the adapter was created with <c>leaveOpen</c>. Harmless when repeated.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from another thread than the loop's.</exception>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        IoRegistration registration = _registration!;
        if (registration.IsLoopAlive)
        {
            registration.CheckThread("AsyncIo.Dispose");
        }
        _disposed = true;
        try
        {
            if (!_source.IsDisposed && registration.IsLoopAlive)
            {
                registration.Remove();
            }
        }
        finally
        {
            _source.Dispose();
            _handle?.DangerousRelease();
            if (!_leaveOpen)
            {
                (Inner as IDisposable)?.Dispose();
            }
        }
    }
}
