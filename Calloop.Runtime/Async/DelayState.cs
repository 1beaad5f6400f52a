using System;
using System.Threading;
using System.Threading.Tasks;
using Calloop.CompilerServices;

namespace Calloop;

/// <summary>The task of <see cref="LoopHandleAsync.Delay{TData}(LoopHandle{TData}, TimeSpan, CancellationToken)"/> and the timer behind it.</summary>
internal sealed class DelayState<TData> : TaskCompletionSource
{
    private readonly LoopHandle<TData> _handle;
    private readonly int _loopThread = Environment.CurrentManagedThreadId;
    private CancellationTokenRegistration _registration;
    private RegistrationToken _timer;
    private bool _timerGone;

    internal DelayState(LoopHandle<TData> handle) => _handle = handle;

    internal void Start(TimeSpan delay, CancellationToken cancellationToken)
    {
        _timer = _handle.InsertSource(TimerSource.FromDuration(delay), new DelayHandler<TData>(this));
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static (s, token) => ((DelayState<TData>)s!).OnCanceled(token), this);
        }
    }

    /// <summary>The timer fired (on the loop thread); it is dropped.</summary>
    internal void Fire()
    {
        _timerGone = true;
        _registration.Unregister();
        TrySetResult();
    }

    private void OnCanceled(CancellationToken token)
    {
        if (!TrySetCanceled(token))
        {
            return;
        }
        // On the loop thread the timer leaves the wheel at once; from another thread the loop removes it at the start
        // of its next dispatch (woken for it), so a long delay cancelled elsewhere does not linger until its deadline.
        if (Environment.CurrentManagedThreadId != _loopThread)
        {
            _handle.Registry.RemoveFromAnyThread(_timer);
        }
        else if (!_timerGone)
        {
            _timerGone = true;
            try
            {
                _handle.Remove(_timer);
            }
            catch (ObjectDisposedException)
            {
                // The loop is gone, and its timers with it.
            }
        }
    }
}

/// <summary>The timer callback of a delay.</summary>
internal readonly struct DelayHandler<TData>(DelayState<TData> state) : IEventHandler<Instant, Unit, TData, TimeoutAction>
{
    public TimeoutAction Invoke(Instant evt, ref Unit metadata, ref TData data)
    {
        state.Fire();
        return TimeoutAction.Drop;
    }
}
