using System;
using System.Threading;
using System.Threading.Tasks;

namespace Calloop;

/// <summary>
/// Hands async work to an <see cref="Executor{T}"/>. Thread-safe: <c>Schedule</c> may be called from any
/// thread, including from the loop's own callbacks and from the work itself.
/// </summary>
/// <typeparam name="T">The work's result type.</typeparam>
public sealed class Scheduler<T>
{
    private readonly Executor<T> _executor;

    internal Scheduler(Executor<T> executor) => _executor = executor;

    /// <summary>The executor's synchronization context: posting to it runs work on the loop thread.</summary>
    public LoopSynchronizationContext SynchronizationContext => _executor.Queue.Context;

    /// <summary>The executor's task scheduler: tasks started on it run on the loop thread.</summary>
    public LoopTaskScheduler TaskScheduler => _executor.Queue.Scheduler;

    /// <summary>
    /// Schedules <paramref name="work"/>: it is called on the loop thread at the executor's next dispatch, under the
    /// executor's <see cref="System.Threading.SynchronizationContext"/>, so each of its continuations runs on the loop
    /// thread too. Its result, or the exception it throws, reaches the executor's callback as a
    /// <see cref="TaskOutcome{T}"/>. Never blocks.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The executor has left its loop (or was disposed): the work would never run.</exception>
    public void Schedule(Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!_executor.Queue.TryEnqueue(new WorkItem(new ExecutorJob<T>(work, _executor), null)))
        {
            throw new ObjectDisposedException(nameof(Executor<T>), "Scheduler.Schedule: the executor has been removed from its loop or disposed.");
        }
    }

    /// <summary>
    /// Schedules work that takes a cancellation token; <paramref name="cancellationToken"/> is passed to it.
    /// </summary>
    /// <inheritdoc cref="Schedule(Func{Task{T}})"/>
    public void Schedule(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        Schedule(() => work(cancellationToken));
    }
}
