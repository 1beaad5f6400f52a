using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Calloop.Polling;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// An event source over an <see cref="IAsyncEnumerable{T}"/>: the stream is enumerated on the loop thread (its
/// continuations run there, through the source's own <see cref="LoopSynchronizationContext"/>), each item is one
/// event, then an end event follows, and the source removes itself. At most 1024 items are produced per dispatch.
/// </summary>
/// <remarks>
/// Enumeration starts at the first dispatch after insertion. An exception thrown by the stream ends it: the end event
/// carries the exception. Removing the source before the end cancels the token handed to the enumerator and drops
/// the continuations still pending.
/// </remarks>
/// <typeparam name="T">The stream's item type.</typeparam>
public sealed class AsyncStreamSource<T> : IEventSource<AsyncStreamEvent<T>, Unit, Unit>, IDisposable
{
    private readonly IAsyncEnumerable<T> _stream;
    private readonly LoopWorkQueue _queue = new("async stream source");
    private readonly CancellationTokenSource _cancellation = new();
    private readonly Queue<T> _items = new();
    private Exception? _error;
    private bool _started;
    private bool _ended;
    private bool _endDelivered;
    private FdRegistration _registration;
    private bool _disposed;

    /// <summary>Creates a source over <paramref name="stream"/>.</summary>
    /// <exception cref="CalloopException">The wake-up descriptor (eventfd on Linux, pipe elsewhere) could not be created.</exception>
    public AsyncStreamSource(IAsyncEnumerable<T> stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
    }

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.RegisterCounter(poll, ref tokenFactory, _queue.Notifier);
        _queue.Bind();
        if (!_started)
        {
            _started = true;
            _queue.TryEnqueue(new WorkItem(new Start(this), null));
        }
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.Reregister(poll, ref tokenFactory, _queue.Fd);
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        _registration.Unregister(poll, _queue.Fd);
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<AsyncStreamEvent<T>, Unit, Unit>, allows ref struct
    {
        if (!_registration.Owns(token))
        {
            return PostAction.Continue;
        }
        var deliver = new Deliver<TCallback>(this, callback);
        try
        {
            _queue.RunBatch(_registration.CounterPoll, ref deliver);
        }
        finally
        {
            callback = deliver.Callback;
        }
        return _endDelivered ? PostAction.Remove : PostAction.Continue;
    }

    /// <summary>Cancels the enumeration if it has not ended, and closes its wake-up descriptor. Harmless when repeated.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _cancellation.Cancel();
        _cancellation.Dispose();
        _queue.Dispose();
        _items.Clear();
    }

    private async Task PumpAsync()
    {
        IAsyncEnumerator<T>? enumerator = null;
        try
        {
            enumerator = _stream.GetAsyncEnumerator(_cancellation.Token);
            int produced = 0;
            while (await enumerator.MoveNextAsync())
            {
                _items.Enqueue(enumerator.Current);
                if (++produced == LoopWorkQueue.MaxPerDispatch)
                {
                    // Let the loop serve its other sources; the next items come at the next dispatch.
                    produced = 0;
                    await Task.Yield();
                }
            }
        }
        catch (Exception e)
        {
            _error = e;
        }
        finally
        {
            if (enumerator is not null)
            {
                try
                {
                    await enumerator.DisposeAsync();
                }
                catch (Exception e)
                {
                    _error ??= e;
                }
            }
        }
        _ended = true;
    }

    /// <summary>Starts the enumeration, on the loop thread under the source's context.</summary>
    private sealed class Start(AsyncStreamSource<T> source) : LoopWork
    {
        internal override void Execute() => _ = source.PumpAsync();
    }

    /// <summary>Hands produced items, then the end, to the callback.</summary>
    private ref struct Deliver<TCallback>(AsyncStreamSource<T> source, TCallback callback) : IAfterWork
        where TCallback : IEventCallback<AsyncStreamEvent<T>, Unit, Unit>, allows ref struct
    {
        public TCallback Callback = callback;

        public readonly bool HasPending => source._items.Count > 0 || (source._ended && !source._endDelivered);

        public void AfterWork()
        {
            Unit metadata = default;
            while (source._items.TryDequeue(out T? item))
            {
                Callback.Invoke(AsyncStreamEvent<T>.ForItem(item), ref metadata);
            }
            if (source._ended && !source._endDelivered)
            {
                source._endDelivered = true;
                Callback.Invoke(AsyncStreamEvent<T>.ForEnd(source._error), ref metadata);
            }
        }
    }
}
