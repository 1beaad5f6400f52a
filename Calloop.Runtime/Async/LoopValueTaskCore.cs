using System;
using System.Threading;
using System.Threading.Tasks.Sources;

namespace Calloop;

/// <summary>
/// <see cref="ManualResetValueTaskSourceCore{TResult}"/> for operations that complete on the loop thread. When the
/// awaiting code runs under a <see cref="LoopSynchronizationContext"/>, its continuation resumes inline at completion
/// (with the context restored as current) instead of being posted back to the same thread: no allocation, no extra
/// dispatch. Everything else behaves as the plain core does. A mutable struct: keep it in a field, never copy it.
/// </summary>
internal struct LoopValueTaskCore<TResult>
{
    private ManualResetValueTaskSourceCore<TResult> _core;
    private LoopSynchronizationContext? _loopContext;
    private bool _resumesInline;

    internal readonly short Version => _core.Version;

    /// <summary>The loop context current when the operation began, if any.</summary>
    internal readonly LoopSynchronizationContext? LoopContext => _loopContext;

    /// <summary>Notes the awaiting code's context; call when the operation begins.</summary>
    internal void Begin() => _loopContext = SynchronizationContext.Current as LoopSynchronizationContext;

    internal readonly ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    internal void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        if ((flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0
            && _loopContext is not null
            && ReferenceEquals(SynchronizationContext.Current, _loopContext)
            && _core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            flags &= ~ValueTaskSourceOnCompletedFlags.UseSchedulingContext;
            _resumesInline = true;
        }
        _core.OnCompleted(continuation, state, token, flags);
    }

    /// <summary>Completes with a result or an exception; must run on the loop thread when the continuation resumes inline.</summary>
    internal void Signal(TResult result, Exception? error)
    {
        LoopSynchronizationContext? context = _resumesInline ? _loopContext : null;
        SynchronizationContext? previous = null;
        if (context is not null)
        {
            previous = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(context);
        }
        try
        {
            if (error is null)
            {
                _core.SetResult(result);
            }
            else
            {
                _core.SetException(error);
            }
        }
        finally
        {
            if (context is not null)
            {
                SynchronizationContext.SetSynchronizationContext(previous);
            }
        }
    }

    /// <summary>Takes the result and resets the core for the next operation (a stale token throws and resets nothing).</summary>
    internal TResult GetResult(short token)
    {
        if (token != _core.Version)
        {
            return _core.GetResult(token); // throws
        }
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            _loopContext = null;
            _resumesInline = false;
        }
    }
}
