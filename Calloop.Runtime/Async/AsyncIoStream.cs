using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using Calloop.Interop;

namespace Calloop;

/// <summary>
/// The <see cref="Stream"/> view of an <see cref="AsyncIo{T}"/>: non-blocking read(2)/write(2) on the descriptor,
/// awaiting readiness on the loop when they would block. Not seekable.
/// </summary>
internal sealed class AsyncIoStream<T> : Stream
    where T : notnull
{
    private readonly AsyncIo<T> _io;
    private readonly bool _ownsAdapter;
    private readonly Operation _read;
    private readonly Operation _write;
    private bool _disposed;

    internal AsyncIoStream(AsyncIo<T> io, bool ownsAdapter)
    {
        _io = io;
        _ownsAdapter = ownsAdapter;
        _read = new Operation(this, write: false);
        _write = new Operation(this, write: true);
    }

    public override bool CanRead => !_disposed;

    public override bool CanWrite => !_disposed;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException("AsyncIo stream: the descriptor is not seekable.");

    public override long Position
    {
        get => throw new NotSupportedException("AsyncIo stream: the descriptor is not seekable.");
        set => throw new NotSupportedException("AsyncIo stream: the descriptor is not seekable.");
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("AsyncIo stream: the descriptor is not seekable.");

    public override void SetLength(long value) => throw new NotSupportedException("AsyncIo stream: the descriptor is not seekable.");

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int n;
        while ((n = TryRead(buffer)) < 0)
        {
            PollSys.WaitFor(_io.Fd, PollSys.POLLIN, "poll (AsyncIo stream read)");
        }
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!buffer.IsEmpty)
        {
            int n = TryWrite(buffer);
            if (n < 0)
            {
                PollSys.WaitFor(_io.Fd, PollSys.POLLOUT, "poll (AsyncIo stream write)");
                continue;
            }
            buffer = buffer[n..];
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>Reads what is there, or awaits readability; a pooled awaitable, so no allocation per call.</summary>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }
        try
        {
            int n = TryRead(buffer.Span);
            return n >= 0 ? new ValueTask<int>(n) : _read.StartRead(buffer, cancellationToken);
        }
        catch (Exception e)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>Writes everything, awaiting writability whenever the descriptor is full; no allocation per call.</summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        try
        {
            while (!buffer.IsEmpty)
            {
                int n = TryWrite(buffer.Span);
                if (n < 0)
                {
                    return _write.StartWrite(buffer, cancellationToken);
                }
                buffer = buffer[n..];
            }
            return default;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (_ownsAdapter)
            {
                _io.Dispose();
            }
        }
        base.Dispose(disposing);
    }

    /// <summary>One read(2): the byte count (0 at end of stream), or -1 when it would block.</summary>
    private unsafe int TryRead(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return Transfer(p, buffer.Length, write: false);
        }
    }

    /// <summary>One write(2): the byte count written, or -1 when it would block.</summary>
    private unsafe int TryWrite(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return Transfer(p, buffer.Length, write: true);
        }
    }

    /// <summary>One read(2) or write(2), retried on EINTR: the byte count, or -1 for EAGAIN.</summary>
    private unsafe int Transfer(byte* p, int length, bool write)
    {
        while (true)
        {
            nint n = write ? Syscall.Write(_io.Fd, p, (nuint)length) : Syscall.Read(_io.Fd, p, (nuint)length);
            if (n >= 0)
            {
                return (int)n;
            }
            int errno = (int)-n;
            if (errno == Libc.EAGAIN)
            {
                return -1;
            }
            if (errno != Libc.EINTR)
            {
                throw Failure(write ? "write" : "read", errno);
            }
        }
    }

    private IOException Failure(string operation, int errno)
    {
        var inner = CalloopException.FromErrno(operation, _io.Fd, errno);
        return new IOException(inner.Message, inner);
    }

    /// <summary>
    /// One pending <c>ReadAsync</c> or <c>WriteAsync</c>, reused for the next: awaits readiness without an async
    /// state machine, then retries the read or write on the loop thread.
    /// </summary>
    private sealed class Operation : IValueTaskSource<int>, IValueTaskSource
    {
        private readonly AsyncIoStream<T> _stream;
        private readonly bool _isWrite;
        private readonly Action _onReady;
        private LoopValueTaskCore<int> _core;
        private Memory<byte> _readBuffer;
        private ReadOnlyMemory<byte> _writeBuffer;
        private CancellationToken _cancellationToken;
        private ValueTask _wait;
        private bool _inUse;

        internal Operation(AsyncIoStream<T> stream, bool write)
        {
            _stream = stream;
            _isWrite = write;
            _onReady = OnReady;
        }

        internal ValueTask<int> StartRead(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            Begin(cancellationToken);
            _readBuffer = buffer;
            short version = _core.Version;
            AwaitReadiness();
            return new ValueTask<int>(this, version);
        }

        internal ValueTask StartWrite(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
        {
            Begin(cancellationToken);
            _writeBuffer = buffer;
            short version = _core.Version;
            AwaitReadiness();
            return new ValueTask(this, version);
        }

        private void Begin(CancellationToken cancellationToken)
        {
            if (_inUse)
            {
                throw new InvalidOperationException(
                    $"AsyncIo stream: a {(_isWrite ? "WriteAsync" : "ReadAsync")} is already pending for fd {_stream._io.Fd}; await it before starting another.");
            }
            _inUse = true;
            _cancellationToken = cancellationToken;
            _core.Begin();
        }

        private void AwaitReadiness()
        {
            // A wait begun again inside the loop's dispatch (after a partial write, or a readiness that read nothing)
            // notes the awaiting code's loop context too, so that a cancellation from another thread still completes
            // on the loop thread.
            LoopSynchronizationContext? context = _core.LoopContext;
            SynchronizationContext? current = SynchronizationContext.Current;
            bool swap = context is not null && !ReferenceEquals(current, context);
            ValueTask wait;
            try
            {
                if (swap)
                {
                    SynchronizationContext.SetSynchronizationContext(context);
                }
                wait = _isWrite ? _stream._io.Writable(_cancellationToken) : _stream._io.Readable(_cancellationToken);
            }
            catch (Exception e)
            {
                Finish(0, e);
                return;
            }
            finally
            {
                if (swap)
                {
                    SynchronizationContext.SetSynchronizationContext(current);
                }
            }
            _wait = wait;
            if (wait.IsCompleted)
            {
                OnReady();
                return;
            }
            // Without the context: the readiness completes on the loop thread and this retries there at once.
            wait.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onReady);
        }

        private void OnReady()
        {
            ValueTask wait = _wait;
            _wait = default;
            try
            {
                wait.GetAwaiter().GetResult();
                if (_isWrite)
                {
                    while (!_writeBuffer.IsEmpty)
                    {
                        int written = _stream.TryWrite(_writeBuffer.Span);
                        if (written < 0)
                        {
                            AwaitReadiness();
                            return;
                        }
                        _writeBuffer = _writeBuffer[written..];
                    }
                    Finish(0, null);
                }
                else
                {
                    int read = _stream.TryRead(_readBuffer.Span);
                    if (read < 0)
                    {
                        AwaitReadiness();
                        return;
                    }
                    Finish(read, null);
                }
            }
            catch (Exception e)
            {
                Finish(0, e);
            }
        }

        private void Finish(int result, Exception? error)
        {
            _readBuffer = default;
            _writeBuffer = default;
            _cancellationToken = default;
            // Code that awaits this operation without the context (ConfigureAwait(false), as the runtime's pipe reader
            // and writer do) resumes inline here, inside the loop's dispatch: it runs under the loop context the
            // operation began with, so that the next operation it starts notes that context too (a cancellation from
            // another thread then still completes on the loop thread).
            LoopSynchronizationContext? context = _core.LoopContext;
            SynchronizationContext? current = SynchronizationContext.Current;
            bool swap = context is not null && !ReferenceEquals(current, context) && context.IsLoopThread;
            if (swap)
            {
                SynchronizationContext.SetSynchronizationContext(context);
            }
            try
            {
                _core.Signal(result, error);
            }
            finally
            {
                if (swap)
                {
                    SynchronizationContext.SetSynchronizationContext(current);
                }
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        public int GetResult(short token)
        {
            bool current = token == _core.Version;
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                if (current)
                {
                    _inUse = false;
                }
            }
        }

        void IValueTaskSource.GetResult(short token) => GetResult(token);
    }
}
