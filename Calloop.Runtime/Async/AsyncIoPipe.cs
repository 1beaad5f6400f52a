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
    private sealed class Reader : PipeReader, IValueTaskSource<ReadResult>
    {
        private readonly AsyncIoPipe<T> _pipe;
        private readonly PipeReader _inner;
        private readonly Action _onInnerCompleted;
        private LoopValueTaskCore<ReadResult> _core;
        private ValueTask<ReadResult> _pending;
        private bool _inUse;
        private bool _completed;

        internal Reader(AsyncIoPipe<T> pipe, PipeReader inner)
        {
            _pipe = pipe;
            _inner = inner;
            _onInnerCompleted = OnInnerCompleted;
        }

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            _pipe.CheckThread("PipeReader.ReadAsync");
            if (_inUse)
            {
                throw new InvalidOperationException($"AsyncIo pipe: a ReadAsync is already pending for fd {_pipe._io.Fd}; await it before starting another.");
            }
            ValueTask<ReadResult> inner = _inner.ReadAsync(cancellationToken);
            if (inner.IsCompleted)
            {
                return inner;
            }
            _inUse = true;
            _core.Begin();
            short version = _core.Version;
            _pending = inner;
            inner.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onInnerCompleted);
            return new ValueTask<ReadResult>(this, version);
        }

        private void OnInnerCompleted()
        {
            ValueTask<ReadResult> inner = _pending;
            _pending = default;
            ReadResult result;
            try
            {
                result = inner.GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                _core.Signal(default, e);
                return;
            }
            _core.Signal(result, null);
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

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        public ReadResult GetResult(short token)
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
    }

    /// <summary>The writer: the runtime's stream writer, its pending flushes completed inline on the loop thread.</summary>
    private sealed class Writer : PipeWriter, IValueTaskSource<FlushResult>
    {
        private readonly AsyncIoPipe<T> _pipe;
        private readonly PipeWriter _inner;
        private readonly Action _onInnerCompleted;
        private LoopValueTaskCore<FlushResult> _core;
        private ValueTask<FlushResult> _pending;
        private bool _inUse;
        private bool _completed;

        internal Writer(AsyncIoPipe<T> pipe, PipeWriter inner)
        {
            _pipe = pipe;
            _inner = inner;
            _onInnerCompleted = OnInnerCompleted;
        }

        public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => _inner.UnflushedBytes;

        public override void Advance(int bytes) => _inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            _pipe.CheckThread("PipeWriter.FlushAsync");
            if (_inUse)
            {
                throw new InvalidOperationException($"AsyncIo pipe: a FlushAsync is already pending for fd {_pipe._io.Fd}; await it before starting another.");
            }
            ValueTask<FlushResult> inner = _inner.FlushAsync(cancellationToken);
            if (inner.IsCompleted)
            {
                return inner;
            }
            _inUse = true;
            _core.Begin();
            short version = _core.Version;
            _pending = inner;
            inner.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onInnerCompleted);
            return new ValueTask<FlushResult>(this, version);
        }

        private void OnInnerCompleted()
        {
            ValueTask<FlushResult> inner = _pending;
            _pending = default;
            FlushResult result;
            try
            {
                result = inner.GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                _core.Signal(default, e);
                return;
            }
            _core.Signal(result, null);
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

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        public FlushResult GetResult(short token)
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
    }
}
