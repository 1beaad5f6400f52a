using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Calloop.CompilerServices;

namespace Calloop.Hosting;

/// <summary>
/// Posts work to a hosted loop from any thread: the work runs on the loop's thread, with the loop's shared data, at
/// the loop's next dispatch. Registered as a singleton by <see cref="Microsoft.Extensions.DependencyInjection.EventLoopServiceCollectionExtensions.AddEventLoop{TData}"/>.
/// </summary>
/// <remarks>
/// Every member is thread-safe. Work posted before the loop starts runs once it has started; work still queued when the
/// host stops runs before the loop is disposed (within the host's shutdown timeout). Once the loop is gone,
/// <see cref="Post"/> throws, <see cref="TryPost"/> returns false, and the tasks of <c>InvokeAsync</c> end canceled.
/// At most <see cref="MaxItemsPerDispatch"/> items run per dispatch, so a flood of posts cannot starve the loop's sources.
/// </remarks>
/// <typeparam name="TData">The loop's shared data.</typeparam>
public sealed class EventLoopDispatcher<TData>
{
    /// <summary>The most posted items run in one dispatch; the rest run in the next.</summary>
    public const int MaxItemsPerDispatch = 1024;

    private readonly ConcurrentQueue<WorkItem> _queue = new();
    private Ping? _ping;
    private LoopHandle<TData>? _handle;
    private IdleCallback<TData>? _runQueued;
    private bool _idleQueued;
    private volatile bool _closed;
    private int _pending;

    internal EventLoopDispatcher()
    {
    }

    /// <summary>Gets the number of items posted that have not run yet.</summary>
    public int PendingCount => Volatile.Read(ref _pending);

    /// <summary>
    /// Posts work to run on the loop's thread. An exception it throws is under the loop's error policy, as an idle
    /// callback's is: it propagates (and ends the loop) under <see cref="ErrorPolicy.Propagate"/>, and is logged and
    /// skipped under <see cref="ErrorPolicy.DisableSource"/> or <see cref="ErrorPolicy.RemoveSource"/>.
    /// </summary>
    /// <param name="work">The work.</param>
    /// <exception cref="InvalidOperationException">The loop has stopped.</exception>
    public void Post(LoopAction<TData> work)
    {
        if (!TryPost(work))
        {
            throw new InvalidOperationException($"The event loop of {typeof(TData).Name} has stopped; no work can be posted to it.");
        }
    }

    /// <summary>Posts work to run on the loop's thread, unless the loop has stopped.</summary>
    /// <param name="work">The work.</param>
    /// <returns>False when the loop has stopped and the work will not run.</returns>
    public bool TryPost(LoopAction<TData> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Enqueue(new PostedWork(work));
    }

    /// <summary>Runs work on the loop's thread and gives its result (or exception) as a task.</summary>
    /// <typeparam name="TResult">The result.</typeparam>
    /// <param name="work">The work.</param>
    /// <returns>A task that completes, off the loop's thread, with what <paramref name="work"/> returned or threw; canceled if the loop stopped first.</returns>
    public Task<TResult> InvokeAsync<TResult>(LoopFunc<TData, TResult> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = new InvokedWork<TResult>(work);
        Enqueue(item);
        return item.Task;
    }

    /// <summary>Runs work on the loop's thread and completes a task when it has run.</summary>
    /// <param name="work">The work.</param>
    /// <returns>A task that completes, off the loop's thread, when <paramref name="work"/> has run (faulted if it threw); canceled if the loop stopped first.</returns>
    public Task InvokeAsync(LoopAction<TData> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return InvokeAsync<bool>((ref TData data) =>
        {
            work(ref data);
            return true;
        });
    }

    /// <summary>On the loop's thread, before the setup steps: inserts the source that runs posted work.</summary>
    internal void Attach(LoopHandle<TData> handle)
    {
        var (ping, source) = Ping.Create();
        _ping = ping;
        _handle = handle;
        _runQueued = RunQueued;
        handle.InsertSource(source, new OnPing(this), name: "Calloop.Hosting.PostedWork");
        if (!_queue.IsEmpty)
        {
            ping.Send();
        }
    }

    /// <summary>On the loop's thread, once the loop is done: refuses new work and cancels what is left.</summary>
    internal void Close()
    {
        _closed = true;
        CancelQueued();
        _ping?.Dispose();
    }

    private bool Enqueue(WorkItem item)
    {
        if (_closed)
        {
            item.Cancel();
            return false;
        }
        Interlocked.Increment(ref _pending);
        _queue.Enqueue(item);
        if (_closed)
        {
            // Closed while this was being queued: whichever side dequeues the item cancels it.
            CancelQueued();
            return false;
        }
        try
        {
            _ping?.Send();
        }
        catch (ObjectDisposedException)
        {
            // The loop closed in between; Close cancels the item.
        }
        return true;
    }

    private void CancelQueued()
    {
        while (_queue.TryDequeue(out WorkItem? item))
        {
            Interlocked.Decrement(ref _pending);
            item.Cancel();
        }
    }

    /// <summary>
    /// Posted work runs as an idle callback of the loop: under the loop's error policy as a callback, but with no source
    /// of its own that a policy could disable or remove. The items stay queued until they run.
    /// </summary>
    private void QueueIdle()
    {
        if (!_idleQueued)
        {
            _idleQueued = true;
            _handle!.InsertIdle(_runQueued!);
        }
    }

    /// <summary>Runs up to <see cref="MaxItemsPerDispatch"/> queued items; pings again when more are left (or one threw).</summary>
    private void RunQueued(ref TData data)
    {
        _idleQueued = false;
        try
        {
            for (int i = 0; i < MaxItemsPerDispatch && _queue.TryDequeue(out WorkItem? item); i++)
            {
                Interlocked.Decrement(ref _pending);
                item.Run(ref data);
            }
        }
        finally
        {
            if (!_queue.IsEmpty)
            {
                _ping!.Send();
            }
        }
    }

    private readonly struct OnPing(EventLoopDispatcher<TData> dispatcher) : IEventHandler<Unit, Unit, TData, Unit>
    {
        public Unit Invoke(Unit @event, ref Unit metadata, ref TData data)
        {
            dispatcher.QueueIdle();
            return default;
        }
    }

    private abstract class WorkItem
    {
        internal abstract void Run(ref TData data);

        internal abstract void Cancel();
    }

    private sealed class PostedWork(LoopAction<TData> work) : WorkItem
    {
        internal override void Run(ref TData data) => work(ref data);

        internal override void Cancel()
        {
        }
    }

    private sealed class InvokedWork<TResult>(LoopFunc<TData, TResult> work) : WorkItem
    {
        private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Task<TResult> Task => _completion.Task;

        internal override void Run(ref TData data)
        {
            try
            {
                _completion.TrySetResult(work(ref data));
            }
            catch (Exception e)
            {
                _completion.TrySetException(e);
            }
        }

        internal override void Cancel() => _completion.TrySetCanceled();
    }
}
