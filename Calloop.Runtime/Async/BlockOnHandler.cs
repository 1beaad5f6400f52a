using Calloop.CompilerServices;

namespace Calloop;

/// <summary>Where <see cref="EventLoop{TData}.TryBlockOn{T}(System.Func{System.Threading.Tasks.Task{T}}, ref TData, out T, System.Threading.CancellationToken)"/> keeps the outcome it waits for.</summary>
internal sealed class BlockOnResult<T>
{
    internal bool Done;
    internal TaskOutcome<T> Outcome;
}

/// <summary>The executor callback of a block-on: records the outcome.</summary>
internal readonly struct BlockOnHandler<TData, T>(BlockOnResult<T> result) : IEventHandler<TaskOutcome<T>, Unit, TData, Unit>
{
    public Unit Invoke(TaskOutcome<T> evt, ref Unit metadata, ref TData data)
    {
        result.Outcome = evt;
        result.Done = true;
        return default;
    }
}
