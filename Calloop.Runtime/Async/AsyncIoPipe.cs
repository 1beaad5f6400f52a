using System;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Calloop;

/// <summary>
/// The <see cref="IDuplexPipe"/> view of an <see cref="AsyncIo{T}"/>: the runtime's own stream reader and writer
/// (<see cref="PipeReader.Create(Stream, StreamPipeReaderOptions?)"/>, <see cref="PipeWriter.Create(Stream, StreamPipeWriterOptions?)"/>)
/// over the adapter's <see cref="Stream"/>, each behind a thin layer that completes <c>ReadAsync</c> and
/// <c>FlushAsync</c> through a <see cref="LoopValueTaskCore{TResult}"/>.
/// </summary>
/// <remarks>
/// The layer is there for one reason: the runtime's reader and writer complete their pending operations through
/// <see cref="ManualResetValueTaskSourceCore{TResult}"/>, which posts the continuation of code awaiting under a
/// <see cref="SynchronizationContext"/> to it, allocating a <see cref="SendOrPostCallback"/> (64 bytes) per pending
/// read and costing one more dispatch. Awaited here with <c>ConfigureAwait(false)</c>, they complete inline on the loop
/// thread, allocating nothing, and the layer resumes the awaiting code inline with its loop context current.
/// </remarks>
internal sealed class AsyncIoPipe<T> : IDuplexPipe
    where T : notnull
{
    private readonly AsyncIo<T> _io;
    private readonly bool _ownsAdapter;
    private readonly Reader _reader;
    private readonly Writer _writer;
    private bool _readerCompleted;
    private bool _writerCompleted;

    internal AsyncIoPipe(AsyncIo<T> io, StreamPipeReaderOptions? readerOptions, StreamPipeWriterOptions? writerOptions, bool ownsAdapter)
    {
        _io = io;
        _ownsAdapter = ownsAdapter;
        Stream stream = io.GetStream();
        // The stream is never closed by the runtime's reader or writer: what completing them releases is decided here.
        readerOptions = readerOptions is null
            ? new StreamPipeReaderOptions(leaveOpen: true)
            : new StreamPipeReaderOptions(readerOptions.Pool, readerOptions.BufferSize, readerOptions.MinimumReadSize, leaveOpen: true, readerOptions.UseZeroByteReads);
        writerOptions = writerOptions is null
            ? new StreamPipeWriterOptions(leaveOpen: true)
            : new StreamPipeWriterOptions(writerOptions.Pool, writerOptions.MinimumBufferSize, leaveOpen: true);
        _reader = new Reader(this, PipeReader.Create(stream, readerOptions));
        _writer = new Writer(this, PipeWriter.Create(stream, writerOptions));
    }

    public PipeReader Input => _reader;

    public PipeWriter Output => _writer;

    private void CheckThread(string operation) => _io.CheckUsable(operation);

    private void OnCompleted(bool reader)
    {
        if (reader)
        {
            _readerCompleted = true;
        }
        else
        {
            _writerCompleted = true;
        }
        if (_ownsAdapter && _readerCompleted && _writerCompleted)
        {
            _io.Dispose();
        }
    }

    /// <summary>The reader: the runtime's stream reader, its pending reads completed inline on the loop thread.</summary>
    private sealed class Reader : PipeReader
    {
        private readonly AsyncIoPipe<T> _pipe;
        private readonly PipeReader _inner;
        private readonly Relay<ReadResult> _relay = new();
        private bool _completed;

        internal Reader(AsyncIoPipe<T> pipe, PipeReader inner)
        {
            _pipe = pipe;
            _inner = inner;
        }

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            _pipe.CheckThread("PipeReader.ReadAsync");
            _relay.CheckIdle("ReadAsync", _pipe._io.Fd);
            return _relay.Start(_inner.ReadAsync(cancellationToken));
        }

        public override bool TryRead(out ReadResult result)
        {
            _pipe.CheckThread("PipeReader.TryRead");
            return _inner.TryRead(out result);
        }

        public override void AdvanceTo(SequencePosition consumed) => _inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => _inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => _inner.CancelPendingRead();

        public override void Complete(Exception? exception = null)
        {
            if (_completed)
            {
                return;
            }
            _completed = true;
            try
            {
                _inner.Complete(exception);
            }
            finally
            {
                _pipe.OnCompleted(reader: true);
            }
        }
    }

    /// <summary>The writer: the runtime's stream writer, its pending flushes completed inline on the loop thread.</summary>
    private sealed class Writer : PipeWriter
    {
        private readonly AsyncIoPipe<T> _pipe;
        private readonly PipeWriter _inner;
        private readonly Relay<FlushResult> _relay = new();
        private bool _completed;

        internal Writer(AsyncIoPipe<T> pipe, PipeWriter inner)
        {
            _pipe = pipe;
            _inner = inner;
        }

        public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => _inner.UnflushedBytes;

        public override void Advance(int bytes) => _inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            _pipe.CheckThread("PipeWriter.FlushAsync");
            _relay.CheckIdle("FlushAsync", _pipe._io.Fd);
            return _relay.Start(_inner.FlushAsync(cancellationToken));
        }

        public override void CancelPendingFlush() => _inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            if (_completed)
            {
                return;
            }
            _completed = true;
            try
            {
                _inner.Complete(exception);
            }
            finally
            {
                _pipe.OnCompleted(reader: false);
            }
        }

        public override async ValueTask CompleteAsync(Exception? exception = null)
        {
            if (_completed)
            {
                return;
            }
            _completed = true;
            try
            {
                await _inner.CompleteAsync(exception);
            }
            finally
            {
                _pipe.OnCompleted(reader: false);
            }
        }
    }

    /// <summary>
    /// Completes a pending read or flush of the runtime's reader or writer through a <see cref="LoopValueTaskCore{TResult}"/>:
    /// the inner operation is awaited without the loop's context (so it completes inline, allocating nothing) and the
    /// code awaiting the returned task resumes inline with the loop's context current. One pending operation at a time.
    /// </summary>
    private sealed class Relay<TResult> : IValueTaskSource<TResult>
    {
        private readonly Action _onInnerCompleted;
        private LoopValueTaskCore<TResult> _core;
        private ValueTask<TResult> _pending;
        private bool _inUse;

        internal Relay() => _onInnerCompleted = OnInnerCompleted;

        /// <summary>Refuses a second <paramref name="operation"/> while one is pending, before the inner one starts.</summary>
        internal void CheckIdle(string operation, int fd)
        {
            if (_inUse)
            {
                throw new InvalidOperationException($"AsyncIo pipe: a {operation} is already pending for fd {fd}; await it before starting another.");
            }
        }

        /// <summary>The inner operation itself when it is already complete, else a task this relay completes.</summary>
        internal ValueTask<TResult> Start(ValueTask<TResult> inner)
        {
            if (inner.IsCompleted)
            {
                return inner;
            }
            _inUse = true;
            _core.Begin();
            short version = _core.Version;
            _pending = inner;
            inner.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onInnerCompleted);
            return new ValueTask<TResult>(this, version);
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        public TResult GetResult(short token)
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

        private void OnInnerCompleted()
        {
            ValueTask<TResult> inner = _pending;
            _pending = default;
            TResult result;
            try
            {
                result = inner.GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                _core.Signal(default!, e);
                return;
            }
            _core.Signal(result, null);
        }
    }
}
