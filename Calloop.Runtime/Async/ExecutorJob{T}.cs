using System;
using System.Threading;
using System.Threading.Tasks;

namespace Calloop;

/// <summary>
/// One piece of work scheduled on an <see cref="Executor{T}"/>: queued to start (runs the function on the loop
/// thread); its outcome is reported by a continuation on the executor's task scheduler, which runs inline when the
/// task completes inside the executor's dispatch and is queued to the executor otherwise.
/// </summary>
internal sealed class ExecutorJob<T> : LoopWork
{
    private readonly Func<Task<T>> _work;
    private readonly Executor<T> _executor;
    private Task<T>? _task;

    internal ExecutorJob(Func<Task<T>> work, Executor<T> executor)
    {
        _work = work;
        _executor = executor;
    }

    internal TaskOutcome<T> Outcome { get; private set; }

    internal override void Execute()
    {
        Task<T> task;
        try
        {
            task = _work() ?? throw new InvalidOperationException("Scheduler.Schedule: the scheduled function returned null instead of a task.");
        }
        catch (Exception e)
        {
            Outcome = TaskOutcome<T>.Failure(e);
            _executor.Finished(this);
            return;
        }
        _task = task;
        if (task.IsCompleted)
        {
            Outcome = TaskOutcome<T>.FromCompleted(task);
            _executor.Finished(this);
            return;
        }
        // Not ConfigureAwait(false): under a custom SynchronizationContext the runtime refuses to inline such a
        // continuation and sends it to the thread pool. The loop's scheduler inlines it where that is safe.
        task.ContinueWith(
            static (_, state) => ((ExecutorJob<T>)state!).OnTaskCompleted(),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            _executor.Queue.Scheduler);
    }

    /// <summary>Runs on the loop thread, inside the executor's dispatch.</summary>
    private void OnTaskCompleted()
    {
        Outcome = TaskOutcome<T>.FromCompleted(_task!);
        _executor.Finished(this);
    }
}
