using System;
using System.Collections.Generic;
using Calloop.Polling;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// An event source that runs async work on the loop thread: the work handed to its <see cref="Scheduler{T}"/>, and
/// every continuation of that work. Its event is the <see cref="TaskOutcome{T}"/> of each piece of work (its value or
/// its exception). Each dispatch runs the work items and continuations queued before it began, at most 1024 of them;
/// what is queued meanwhile (from any thread, from callbacks, or by the work itself, such as a <c>Task.Yield</c>)
/// runs at the next dispatch, and the executor wakes the loop for it. Create it with <see cref="Executor.Create{T}"/>.
/// </summary>
/// <remarks>
/// While it runs work, the executor's <see cref="LoopSynchronizationContext"/> is
/// <see cref="System.Threading.SynchronizationContext.Current"/>, so <c>await</c> resumes on the loop thread (unless
/// the code asks otherwise with <c>ConfigureAwait(false)</c>). An exception thrown by a continuation posted to the
/// context (an <c>async void</c> method, for example) propagates out of <c>Dispatch</c>; the work still queued runs
/// at the next dispatch. Removing the executor from its loop drops the work not yet finished.
/// </remarks>
/// <typeparam name="T">The work's result type.</typeparam>
public sealed class Executor<T> : IEventSource<TaskOutcome<T>, Unit, Unit>, IDisposable
{
    private readonly Queue<ExecutorJob<T>> _finished = [];
    private FdRegistration _registration;

    internal Executor() => Queue = new LoopWorkQueue("executor");

    internal LoopWorkQueue Queue { get; }

    /// <summary>The executor's synchronization context, the same as its scheduler's.</summary>
    public LoopSynchronizationContext SynchronizationContext => Queue.Context;

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(Queue.IsClosed, this);
        _registration.RegisterCounter(poll, ref tokenFactory, Queue.Notifier);
        Queue.Bind();
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(Queue.IsClosed, this);
        _registration.Reregister(poll, ref tokenFactory, Queue.Fd);
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        _registration.Unregister(poll, Queue.Fd);
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<TaskOutcome<T>, Unit, Unit>, allows ref struct
    {
        if (!_registration.Owns(token))
        {
            return PostAction.Continue;
        }
        var deliver = new Deliver<TCallback>(_finished, callback);
        try
        {
            Queue.RunBatch(_registration.CounterPoll, ref deliver);
        }
        finally
        {
            callback = deliver.Callback;
        }
        return PostAction.Continue;
    }

    /// <summary>Drops the work not yet finished and closes its wake-up descriptor. Harmless when repeated.</summary>
    public void Dispose()
    {
        _finished.Clear();
        Queue.Dispose();
    }

    /// <summary>A job finished during this executor's dispatch, on the loop thread.</summary>
    internal void Finished(ExecutorJob<T> job) => _finished.Enqueue(job);

    /// <summary>Hands finished jobs to the callback; a callback that throws leaves the rest for the next dispatch.</summary>
    private ref struct Deliver<TCallback>(Queue<ExecutorJob<T>> finished, TCallback callback) : IAfterWork
        where TCallback : IEventCallback<TaskOutcome<T>, Unit, Unit>, allows ref struct
    {
        public TCallback Callback = callback;

        public readonly bool HasPending => finished.Count > 0;

        public void AfterWork()
        {
            while (finished.Count > 0)
            {
                // Take the job out first: an exception from the callback must neither lose nor repeat the others.
                ExecutorJob<T> job = finished.Dequeue();
                Unit metadata = default;
                Callback.Invoke(job.Outcome, ref metadata);
            }
        }
    }
}
