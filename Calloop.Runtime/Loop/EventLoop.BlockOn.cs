using System;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Tasks;

namespace Calloop;

public sealed partial class EventLoop<TData>
{
    /// <summary>
    /// Runs the loop until <paramref name="work"/> completes and returns its result. The work is started on the loop
    /// thread under a loop <see cref="System.Threading.SynchronizationContext"/>, so each of its <c>await</c>s resumes on
    /// the loop thread, between the loop's other events. The stop flag is cleared on entry, as by <see cref="Run"/>.
    /// </summary>
    /// <returns>The work's result.</returns>
    /// <exception cref="InvalidOperationException">The loop was stopped (<see cref="LoopSignal.Stop"/>) before the work completed; or the call was made from a callback or another thread.</exception>
    /// <remarks>An exception thrown by the work is rethrown here with its original stack trace.</remarks>
    public T BlockOn<T>(Func<Task<T>> work, ref TData data) =>
        TryBlockOn(work, ref data, out T? result) ? result : throw StoppedFirst();

    /// <summary>Runs the loop until <paramref name="task"/> completes and returns its result.</summary>
    /// <remarks>
    /// The task was started by the caller: continuations it captured before this call follow the context that was
    /// current then. Prefer <see cref="BlockOn{T}(Func{Task{T}}, ref TData)"/>, which starts the work on the loop.
    /// </remarks>
    /// <inheritdoc cref="BlockOn{T}(Func{Task{T}}, ref TData)"/>
    public T BlockOn<T>(Task<T> task, ref TData data) =>
        TryBlockOn(task, ref data, out T? result) ? result : throw StoppedFirst();

    /// <summary>Runs the loop until <paramref name="task"/> completes and returns its result.</summary>
    /// <inheritdoc cref="BlockOn{T}(Task{T}, ref TData)"/>
    public T BlockOn<T>(ValueTask<T> task, ref TData data) =>
        TryBlockOn(task, ref data, out T? result) ? result : throw StoppedFirst();

    /// <summary>Runs the loop until <paramref name="work"/> completes.</summary>
    /// <inheritdoc cref="BlockOn{T}(Func{Task{T}}, ref TData)"/>
    public void BlockOn(Func<Task> work, ref TData data)
    {
        if (!TryBlockOn(work, ref data))
        {
            throw StoppedFirst();
        }
    }

    /// <summary>Runs the loop until <paramref name="task"/> completes.</summary>
    /// <inheritdoc cref="BlockOn{T}(Task{T}, ref TData)"/>
    public void BlockOn(Task task, ref TData data)
    {
        ArgumentNullException.ThrowIfNull(task);
        BlockOn(() => task, ref data);
    }

    /// <summary>
    /// Runs the loop until <paramref name="work"/> completes, or until the loop is stopped
    /// (<see cref="LoopSignal.Stop"/>) first. The work is started on the loop thread under a loop
    /// <see cref="System.Threading.SynchronizationContext"/>. The stop flag is cleared on entry.
    /// </summary>
    /// <returns>True with the work's result; false when the loop was stopped first (the unfinished work is dropped).</returns>
    /// <exception cref="InvalidOperationException">Called from a callback of this loop, or from another thread.</exception>
    /// <remarks>
    /// An exception thrown by the work is rethrown here with its original stack trace. An exception from another
    /// callback of the loop propagates out of this call as out of <see cref="Dispatch"/>, and the work is abandoned.
    /// </remarks>
    public bool TryBlockOn<T>(Func<Task<T>> work, ref TData data, [MaybeNullWhen(false)] out T result)
    {
        ArgumentNullException.ThrowIfNull(work);
        _registry.State.CheckThread("EventLoop.BlockOn");
        if (_registry.State.IsDispatching)
        {
            throw new InvalidOperationException("EventLoop.BlockOn was called from inside one of the loop's own callbacks; dispatching is not re-entrant.");
        }
        var (executor, scheduler) = Executor.Create<T>();
        var outcome = new BlockOnResult<T>();
        RegistrationToken token;
        try
        {
            token = _handle.InsertSource(executor, new BlockOnHandler<TData, T>(outcome));
        }
        catch
        {
            executor.Dispose();
            throw;
        }
        try
        {
            scheduler.Schedule(work);
            _signal.ResetStop();
            while (!outcome.Done && !_signal.StopRequested)
            {
                if (!_registry.IsLive(token))
                {
                    // An error policy took the executor out of the loop: nothing can complete the work any more.
                    throw new InvalidOperationException("EventLoop.BlockOn: the executor running the work was removed from the loop (by an error policy) before the work completed.");
                }
                Dispatch(null, ref data);
            }
        }
        finally
        {
            if (_registry.IsLive(token))
            {
                _registry.Remove(token);
            }
        }
        if (!outcome.Done)
        {
            result = default;
            return false;
        }
        result = outcome.Outcome.GetValue();
        return true;
    }

    /// <summary>Runs the loop until <paramref name="task"/> completes, or until the loop is stopped first.</summary>
    /// <remarks>
    /// The task was started by the caller: continuations it captured before this call follow the context that was
    /// current then.
    /// </remarks>
    /// <inheritdoc cref="TryBlockOn{T}(Func{Task{T}}, ref TData, out T)"/>
    public bool TryBlockOn<T>(Task<T> task, ref TData data, [MaybeNullWhen(false)] out T result)
    {
        ArgumentNullException.ThrowIfNull(task);
        return TryBlockOn(() => task, ref data, out result);
    }

    /// <summary>Runs the loop until <paramref name="task"/> completes, or until the loop is stopped first.</summary>
    /// <inheritdoc cref="TryBlockOn{T}(Task{T}, ref TData, out T)"/>
    public bool TryBlockOn<T>(ValueTask<T> task, ref TData data, [MaybeNullWhen(false)] out T result) =>
        TryBlockOn(task.AsTask(), ref data, out result);

    /// <summary>Runs the loop until <paramref name="work"/> completes, or until the loop is stopped first.</summary>
    /// <returns>True when the work completed; false when the loop was stopped first.</returns>
    /// <inheritdoc cref="TryBlockOn{T}(Func{Task{T}}, ref TData, out T)"/>
    public bool TryBlockOn(Func<Task> work, ref TData data)
    {
        ArgumentNullException.ThrowIfNull(work);
        return TryBlockOn(async () =>
        {
            await work().ConfigureAwait(true);
            return default(Unit);
        }, ref data, out _);
    }

    /// <summary>Runs the loop until <paramref name="task"/> completes, or until the loop is stopped first.</summary>
    /// <returns>True when the task completed; false when the loop was stopped first.</returns>
    /// <inheritdoc cref="TryBlockOn{T}(Task{T}, ref TData, out T)"/>
    public bool TryBlockOn(Task task, ref TData data)
    {
        ArgumentNullException.ThrowIfNull(task);
        return TryBlockOn(() => task, ref data);
    }

    private static InvalidOperationException StoppedFirst() =>
        new("EventLoop.BlockOn: the loop was stopped before the work completed; use TryBlockOn to handle this case without an exception.");
}
