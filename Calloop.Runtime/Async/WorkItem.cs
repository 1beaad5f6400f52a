using System.Threading;
using System.Threading.Tasks;

namespace Calloop;

/// <summary>
/// One entry of a <see cref="LoopWorkQueue"/>: a <see cref="LoopWork"/>, a <see cref="Task"/> queued to the
/// loop's <see cref="LoopTaskScheduler"/>, or a <see cref="SendOrPostCallback"/> posted to its
/// <see cref="LoopSynchronizationContext"/> with its state.
/// </summary>
internal readonly struct WorkItem
{
    internal WorkItem(object target, object? state)
    {
        Target = target;
        State = state;
    }

    internal object Target { get; }

    internal object? State { get; }
}
