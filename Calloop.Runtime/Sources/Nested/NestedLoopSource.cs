using System;
using Calloop.Sources;
using Calloop.Timers;

namespace Calloop;

/// <summary>
/// Runs one event loop inside another: inserted into an outer loop, it watches the inner loop's
/// <see cref="EventLoop{TData}.PollFd"/> and its next timer deadline, and when either is due dispatches the inner
/// loop with a zero timeout (and without waiting when the inner loop has idle callbacks queued). After each inner
/// dispatch the outer callback receives <see cref="Unit"/> with the inner loop's data as metadata.
/// </summary>
/// <remarks>
/// Both loops must belong to the same thread. The source owns the inner loop: disposing it (the outer loop does when
/// it removes it) disposes the inner loop. An exception from an inner callback propagates out of the outer
/// <see cref="EventLoop{TData}.Dispatch"/>; the inner loop keeps the rest of its batch for its next dispatch.
/// </remarks>
/// <typeparam name="TData">The inner loop's shared data.</typeparam>
public sealed class NestedLoopSource<TData> : IEventSource<Unit, TData, Unit>, IDisposable
{
    private readonly EventLoop<TData> _inner;
    private TData _data;
    private Poll? _poll;
    private int _innerFd = -1;
    private Token _fdToken;
    private Token _timerToken;
    private TimerKey _timerKey;
    private long _timerDeadline = long.MaxValue;
    private bool _registered;
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/>, whose callbacks will receive <paramref name="data"/>.</summary>
    public NestedLoopSource(EventLoop<TData> inner, TData data)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _data = data;
    }

    /// <summary>The inner loop.</summary>
    public EventLoop<TData> Loop => _inner;

    /// <summary>The inner loop's data, by reference.</summary>
    public ref TData Data => ref _data;

    /// <inheritdoc/>
    public bool NeedsLifecycleEvents => true;

    /// <summary>Schedules the outer wake-up for the inner loop's timers; asks for a dispatch now when the inner loop has idle work.</summary>
    public PollEvent? BeforeSleep()
    {
        if (!_registered || _poll is null)
        {
            return null;
        }
        if (_inner.HasImmediateWork)
        {
            return new PollEvent(Readiness.Readable, _fdToken);
        }
        long next = _inner.NextTimerDeadline?.Nanoseconds ?? long.MaxValue;
        if (next != _timerDeadline)
        {
            CancelTimer(_poll);
            if (next != long.MaxValue)
            {
                _timerKey = _poll.Timers.Insert(next, _timerToken.Value);
                _timerDeadline = next;
            }
        }
        return null;
    }

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Token fdToken = tokenFactory.NextToken();
        Token timerToken = tokenFactory.NextToken();
        int fd = _inner.PollFd;
        poll.Register(fd, Interest.Readable, Mode.Level, fdToken);
        _innerFd = fd;
        _fdToken = fdToken;
        _timerToken = timerToken;
        _poll = poll;
        _registered = true;
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CancelTimer(poll);
        Token fdToken = tokenFactory.NextToken();
        Token timerToken = tokenFactory.NextToken();
        poll.Reregister(_inner.PollFd, Interest.Readable, Mode.Level, fdToken);
        _fdToken = fdToken;
        _timerToken = timerToken;
        _poll = poll;
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        if (_registered)
        {
            _registered = false;
            CancelTimer(poll);
            // The descriptor cached at registration: the inner loop may already be disposed.
            poll.TryUnregister(_innerFd, _fdToken);
        }
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<Unit, TData, Unit>, allows ref struct
    {
        if (!_registered)
        {
            return PostAction.Continue;
        }
        if (token == _timerToken)
        {
            // The outer wheel has let go of this timer.
            _timerDeadline = long.MaxValue;
        }
        else if (token != _fdToken)
        {
            return PostAction.Continue;
        }
        _inner.Dispatch(TimeSpan.Zero, ref _data);
        callback.Invoke(default, ref _data);
        return PostAction.Continue;
    }

    /// <summary>Disposes the inner loop and its sources. Harmless when repeated.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _inner.Dispose();
        }
    }

    private void CancelTimer(Poll poll)
    {
        if (_timerDeadline != long.MaxValue)
        {
            poll.Timers.Cancel(_timerKey);
            _timerDeadline = long.MaxValue;
        }
    }
}
