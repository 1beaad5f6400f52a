using System;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Calloop;

/// <summary>
/// The reusable awaitable behind <see cref="AsyncIo{T}.Readable"/> or <see cref="AsyncIo{T}.Writable"/>: one per
/// direction, reset after each await, so awaiting readiness allocates nothing. Completed on the loop thread when the
/// poller reports the readiness; a cancellation from another thread is marshalled to the loop when the awaiting code
/// runs under a <see cref="LoopSynchronizationContext"/>.
/// </summary>
internal sealed class IoWaiter : IValueTaskSource
{
    private const int Idle = 0;
    private const int Pending = 1;
    private const int Completing = 2;

    private readonly string _operation;
    private LoopValueTaskCore<bool> _core;
    private int _state;
    private bool _inUse;
    private CancellationTokenRegistration _registration;
    private CancellationToken _cancellationToken;

    internal IoWaiter(string operation) => _operation = operation;

    /// <summary>True while a wait is outstanding and not yet completed.</summary>
    internal bool IsWaiting => Volatile.Read(ref _state) == Pending;

    /// <summary>Starts a wait; the caller registers interest with the poller.</summary>
    internal ValueTask Begin(int fd, CancellationToken cancellationToken)
    {
        if (_inUse)
        {
            throw new InvalidOperationException($"AsyncIo.{_operation}: a wait is already pending for fd {fd}; await it before starting another.");
        }
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        _inUse = true;
        _core.Begin();
        _cancellationToken = cancellationToken;
        Volatile.Write(ref _state, Pending);
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static s => ((IoWaiter)s!).OnCanceled(), this);
        }
        return new ValueTask(this, _core.Version);
    }

    /// <summary>The readiness arrived (on the loop thread).</summary>
    internal void Complete() => Finish(null);

    /// <summary>The wait can never complete (the source left the loop, or arming failed).</summary>
    internal void Fail(Exception error) => Finish(error);

    private void OnCanceled()
    {
        if (Interlocked.CompareExchange(ref _state, Completing, Pending) != Pending)
        {
            return;
        }
        LoopSynchronizationContext? context = _core.LoopContext;
        if (context is null || context.IsLoopThread)
        {
            SetCanceled();
        }
        else
        {
            // The continuation resumes inline where the wait completes: complete it on the loop thread.
            context.Post(static s => ((IoWaiter)s!).SetCanceled(), this);
        }
    }

    private void SetCanceled() =>
        _core.Signal(false, new OperationCanceledException($"AsyncIo.{_operation} was canceled.", _cancellationToken));

    private void Finish(Exception? error)
    {
        if (Interlocked.CompareExchange(ref _state, Completing, Pending) != Pending)
        {
            return;
        }
        _registration.Unregister();
        _registration = default;
        _core.Signal(true, error);
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    public void GetResult(short token)
    {
        bool current = token == _core.Version;
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            if (current)
            {
                _cancellationToken = default;
                Volatile.Write(ref _state, Idle);
                _inUse = false;
            }
        }
    }
}
