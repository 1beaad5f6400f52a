using System.Collections.Generic;
using System.Threading.Tasks;

namespace Calloop;

/// <summary>
/// A <see cref="TaskScheduler"/> that runs tasks on the loop thread, through the same queue as the source's
/// <see cref="LoopSynchronizationContext"/> (so they share its per-dispatch budget). Use it with
/// <c>Task.Factory.StartNew(..., scheduler)</c> or <c>ContinueWith(..., scheduler)</c>. Thread-safe. Tasks queued
/// after the source has left its loop never run.
/// </summary>
public sealed class LoopTaskScheduler : TaskScheduler
{
    private readonly LoopWorkQueue _queue;

    internal LoopTaskScheduler(LoopWorkQueue queue) => _queue = queue;

    /// <summary>Only one task runs at a time: the loop has one thread.</summary>
    public override int MaximumConcurrencyLevel => 1;

    /// <inheritdoc/>
    protected override void QueueTask(Task task) => _queue.TryEnqueue(new WorkItem(task, null));

    /// <summary>Runs a task inline only on the loop thread while the source runs its work.</summary>
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        !taskWasPreviouslyQueued && _queue.IsRunningHere && TryExecuteTask(task);

    /// <inheritdoc/>
    protected override IEnumerable<Task> GetScheduledTasks() => _queue.SnapshotTasks();

    internal void Run(Task task) => TryExecuteTask(task);
}
