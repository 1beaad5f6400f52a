using System;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
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
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the work completed; cancelling from another thread wakes the loop at once.</exception>
    /// <remarks>An exception thrown by the work is rethrown here with its original stack trace.</remarks>
    public T BlockOn<T>(Func<Task<T>> work, ref TData data, CancellationToken cancellationToken = default) =>
        TryBlockOn(work, ref data, out T? result, cancellationToken) ? result : throw StoppedFirst();

    /// <summary>Runs the loop until <paramref name="task"/> completes and returns its result.</summary>
    /// <remarks>
    /// The task was started by the caller: continuations it captured before this call follow the context that was
    /// current then. Prefer <see cref="BlockOn{T}(Func{Task{T}}, ref TData, CancellationToken)"/>, which starts the work on the loop.
    /// </remarks>
    /// <inheritdoc cref="BlockOn{T}(Func{Task{T}}, ref TData, CancellationToken)"/>
    public T BlockOn<T>(Task<T> task, ref TData data, CancellationToken cancellationToken = default) =>
        TryBlockOn(task, ref data, out T? result, cancellationToken) ? result : throw StoppedFirst();

    /// <summary>Runs the loop until <paramref name="task"/> completes and returns its result.</summary>
    /// <inheritdoc cref="BlockOn{T}(Task{T}, ref TData, CancellationToken)"/>
    public T BlockOn<T>(ValueTask<T> task, ref TData data, CancellationToken cancellationToken = default) =>
        TryBlockOn(task, ref data, out T? result, cancellationToken) ? result : throw StoppedFirst();

    /// <summary>Runs the loop until <paramref name="work"/> completes.</summary>
    /// <inheritdoc cref="BlockOn{T}(Func{Task{T}}, ref TData, CancellationToken)"/>
    public void BlockOn(Func<Task> work, ref TData data, CancellationToken cancellationToken = default)
    {
        if (!TryBlockOn(work, ref data, cancellationToken))
        {
            throw StoppedFirst();
        }
    }

    /// <summary>Runs the loop until <paramref name="task"/> completes.</summary>
    /// <inheritdoc cref="BlockOn{T}(Task{T}, ref TData, CancellationToken)"/>
    public void BlockOn(Task task, ref TData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        BlockOn(() => task, ref data, cancellationToken);
    }

    /// <summary>
    /// Runs the loop until <paramref name="work"/> completes, or until the loop is stopped
    /// (<see cref="LoopSignal.Stop"/>) first. The work is started on the loop thread under a loop
    /// <see cref="System.Threading.SynchronizationContext"/>. The stop flag is cleared on entry.
    /// </summary>
    /// <returns>True with the work's result; false when the loop was stopped first (the unfinished work is dropped).</returns>
    /// <exception cref="InvalidOperationException">Called from a callback of this loop, or from another thread.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the work completed (the unfinished work is dropped); cancelling from another thread wakes the loop at once.</exception>
    /// <remarks>
    /// An exception thrown by the work is rethrown here with its original stack trace. An exception from another
    /// callback of the loop propagates out of this call as out of <see cref="Dispatch"/>, and the work is abandoned.
    /// </remarks>
    public bool TryBlockOn<T>(Func<Task<T>> work, ref TData data, [MaybeNullWhen(false)] out T result, CancellationToken cancellationToken = default)
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
        // Cancelling wakes the loop at once; with no token (the default) nothing is registered.
        using CancellationTokenRegistration wake = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((LoopSignal)s!).Wakeup(), _signal)
            : default;
        try
        {
            scheduler.Schedule(work);
            _signal.ResetStop();
            while (!outcome.Done && !_signal.StopRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
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
    /// <inheritdoc cref="TryBlockOn{T}(Func{Task{T}}, ref TData, out T, CancellationToken)"/>
    public bool TryBlockOn<T>(Task<T> task, ref TData data, [MaybeNullWhen(false)] out T result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        return TryBlockOn(() => task, ref data, out result, cancellationToken);
    }

    /// <summary>Runs the loop until <paramref name="task"/> completes, or until the loop is stopped first.</summary>
    /// <inheritdoc cref="TryBlockOn{T}(Task{T}, ref TData, out T, CancellationToken)"/>
    public bool TryBlockOn<T>(ValueTask<T> task, ref TData data, [MaybeNullWhen(false)] out T result, CancellationToken cancellationToken = default) =>
        TryBlockOn(task.AsTask(), ref data, out result, cancellationToken);

    /// <summary>Runs the loop until <paramref name="work"/> completes, or until the loop is stopped first.</summary>
    /// <returns>True when the work completed; false when the loop was stopped first.</returns>
    /// <inheritdoc cref="TryBlockOn{T}(Func{Task{T}}, ref TData, out T, CancellationToken)"/>
    public bool TryBlockOn(Func<Task> work, ref TData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return TryBlockOn(async () =>
        {
            await work().ConfigureAwait(true);
            return default(Unit);
        }, ref data, out _, cancellationToken);
    }

    /// <summary>Runs the loop until <paramref name="task"/> completes, or until the loop is stopped first.</summary>
    /// <returns>True when the task completed; false when the loop was stopped first.</returns>
    /// <inheritdoc cref="TryBlockOn{T}(Task{T}, ref TData, out T, CancellationToken)"/>
    public bool TryBlockOn(Task task, ref TData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        return TryBlockOn(() => task, ref data, cancellationToken);
    }

    private static InvalidOperationException StoppedFirst() =>
        new("EventLoop.BlockOn: the loop was stopped before the work completed; use TryBlockOn to handle this case without an exception.");
}
