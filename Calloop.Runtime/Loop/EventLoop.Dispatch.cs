using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Calloop.Sources;

namespace Calloop;

public sealed partial class EventLoop<TData>
{
    /// <summary>
    /// Waits for events and dispatches them: lifecycle <c>BeforeSleep</c> hooks → one wait (bounded by
    /// <paramref name="timeout"/> and by the earliest timer; zero when a hook produced a synthetic event) →
    /// <c>BeforeHandleEvents</c> hooks → synthetic events → poller events in kernel order → expired timers in
    /// deadline order → the idle callbacks queued before the idle phase began.
    /// </summary>
    /// <param name="timeout">
    /// Null (or <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>) waits until an event, a wake-up or a timer;
    /// <see cref="TimeSpan.Zero"/> never blocks. Pending idle callbacks do not shorten the wait.
    /// </param>
    /// <param name="data">The shared data, passed by reference to every callback.</param>
    /// <remarks>
    /// An exception from a callback propagates out of this call. The source stays in the loop (unless it had
    /// removed itself), and the events of the batch not yet delivered are kept: the next <see cref="Dispatch"/>
    /// delivers them and runs the idle callbacks without waiting first. An exception from an idle callback leaves
    /// the idle callbacks after it queued for the next dispatch.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>).</exception>
    /// <exception cref="InvalidOperationException">Called from one of this loop's callbacks, or from another thread.</exception>
    /// <exception cref="ObjectDisposedException">The loop was disposed.</exception>
    public void Dispatch(TimeSpan? timeout, ref TData data)
    {
        LoopState state = _registry.State;
        state.CheckThread("EventLoop.Dispatch");
        timeout = CheckTimeout(timeout);
        if (state.IsDispatching)
        {
            throw new InvalidOperationException("EventLoop.Dispatch was called from inside one of the loop's own callbacks; dispatching is not re-entrant.");
        }
        state.IsDispatching = true;
        try
        {
            _registry.ApplyForeignRemovals();
            if (_batchNext >= _batchCount && !_idlesPending)
            {
                Collect(timeout);
                _idlesPending = true;
            }
            if (_batchNext < _batchCount)
            {
                DeliverBatch(ref data);
            }
            _idlesPending = false;
            RunIdles(ref data);
            TrimWhenSparse();
            if (_metrics.Dispatches.Enabled)
            {
                _metrics.Dispatches.Add(1, _metrics.Tags());
            }
        }
        finally
        {
            state.IsDispatching = false;
        }
    }

    /// <summary>Maps <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> to null and refuses other negative timeouts.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static TimeSpan? CheckTimeout(TimeSpan? timeout) =>
        timeout is TimeSpan t && t < TimeSpan.Zero ? NegativeTimeout(t) : timeout;

    private static TimeSpan? NegativeTimeout(TimeSpan timeout) =>
        timeout == System.Threading.Timeout.InfiniteTimeSpan
            ? null
            : throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A dispatch timeout must be null, Timeout.InfiniteTimeSpan, zero or positive.");

    private void RunIdles(ref TData data)
    {
        try
        {
            _registry.Idles.RunSnapshot(ref data);
        }
        catch (Exception e)
        {
            // A catch, not a filter: the idle callback's own finally blocks run before any handler sees the exception.
            if (!OnCallbackException(e, -1, 0))
            {
                throw;
            }
            // Handled: the idles after the one that threw stay queued for the next dispatch.
        }
    }

    /// <summary>
    /// Applies the error policy to an exception from the source in <paramref name="slot"/> (-1: an idle callback).
    /// Returns true when the exception is handled and must not propagate.
    /// </summary>
    private bool OnCallbackException(Exception exception, int slot, int version)
    {
        RegistrationToken? token = slot < 0 ? null : _registry.LiveToken(slot, version);
        string? name = token is null ? null : _registry.NameAt(slot);
        ErrorPolicy policy = (token is null ? null : _registry.PolicyAt(slot)) ?? _errorPolicy;
        if (name is not null)
        {
            exception.Data["Calloop.Source"] = name;
        }
        var args = new LoopExceptionEventArgs(exception, token, name, policy);
        UnhandledException?.Invoke(this, args);
        bool disabled = false, removed = false;
        try
        {
            switch (policy)
            {
                case ErrorPolicy.DisableSource when token is RegistrationToken t && _registry.IsLive(t):
                    _registry.Disable(t);
                    disabled = true;
                    break;
                case ErrorPolicy.RemoveSource when token is RegistrationToken t && _registry.IsLive(t):
                    removed = true;
                    _registry.Remove(t);
                    break;
                case ErrorPolicy.StopLoop:
                    _signal.Stop();
                    break;
            }
        }
        catch (Exception cleanup)
        {
            // Unregistering or disposing the source failed too: the callback's exception stays the one reported.
            exception.Data["Calloop.CleanupException"] = cleanup;
        }
        if (_observer is LoopObserver observer)
        {
            observer.OnCallbackException(_name, args);
            if (disabled)
            {
                observer.OnSourceDisabled(_name, token!.Value, name, exception);
            }
            else if (removed)
            {
                observer.OnSourceRemoved(_name, token!.Value, name, exception);
            }
        }
        return args.Handled;
    }

    /// <summary>Runs the hooks and the wait, and fills the batch: synthetic events, then poller events, then timers.</summary>
    /// <remarks>
    /// A hook that throws is under the error policy like a callback. Every other hook still runs; an exception left
    /// unhandled is thrown once the batch is collected (without blocking, if a <c>BeforeSleep</c> hook threw), and
    /// the batch is delivered by the next dispatch.
    /// </remarks>
    private void Collect(TimeSpan? timeout)
    {
        _batchCount = 0;
        _batchNext = 0;
        ExceptionDispatchInfo? failure = null;

        var lifecycle = _registry.LifecycleSlots;
        for (int i = 0; i < lifecycle.Count; i++)
        {
            int slot = lifecycle[i];
            PollEvent? synthetic;
            try
            {
                synthetic = _registry.SourceAt(slot)?.BeforeSleep();
            }
            catch (Exception e)
            {
                i = OnHookException(e, slot, i, ref failure);
                continue;
            }
            if (synthetic is PollEvent ev)
            {
                Append(ev);
            }
        }
        int syntheticCount = _batchCount;

        if (_clock is null)
        {
            Wait(timeout, syntheticCount > 0 || failure is not null);
        }
        else
        {
            WaitOnProvider(timeout, syntheticCount > 0 || failure is not null);
        }

        for (int i = 0; i < lifecycle.Count; i++)
        {
            int slot = lifecycle[i];
            try
            {
                _registry.SourceAt(slot)?.BeforeHandleEvents(
                    new EventIterator(_batch.AsSpan(syntheticCount, _batchCount - syntheticCount), slot, _registry.VersionAt(slot)));
            }
            catch (Exception e)
            {
                i = OnHookException(e, slot, i, ref failure);
            }
        }
        failure?.Throw();
    }

    /// <summary>
    /// Applies the error policy to an exception from the lifecycle hook of the source in <paramref name="slot"/>, at
    /// position <paramref name="i"/> of the hook list; keeps the first unhandled one. Returns the position to go on
    /// from (one less when the policy removed the source from the list).
    /// </summary>
    private int OnHookException(Exception exception, int slot, int i, ref ExceptionDispatchInfo? failure)
    {
        if (!OnCallbackException(exception, slot, _registry.VersionAt(slot)) && failure is null)
        {
            failure = ExceptionDispatchInfo.Capture(exception);
        }
        var lifecycle = _registry.LifecycleSlots;
        return i < lifecycle.Count && lifecycle[i] == slot ? i : i - 1;
    }

    /// <summary>Waits once (again after a timer-wheel cascade or a signal, until something happens or the timeout passes).</summary>
    /// <remarks>
    /// The clock is read only when something depends on it: a pending timer, or a finite non-zero timeout. A
    /// zero or infinite wait with no timer pending (pings, fds, idles) reads no clock at all, which saves two
    /// clock_gettime calls per dispatch.
    /// </remarks>
    private void Wait(TimeSpan? timeout, bool mustNotBlock)
    {
        var timers = _poll.Timers;
        long userNs = timeout is TimeSpan t ? Math.Max(0, Instant.ToNanoseconds(t)) : -1;
        mustNotBlock |= userNs == 0;
        bool finiteWait = userNs > 0 && !mustNotBlock;
        long now = finiteWait || timers.Count > 0 ? Instant.Now.Nanoseconds : 0;
        long userDeadline = !finiteWait || userNs > long.MaxValue - now ? long.MaxValue : now + userNs;
        while (true)
        {
            long waitNs = mustNotBlock ? 0 : userNs < 0 ? -1 : Math.Max(0, userDeadline - now);
            if (waitNs != 0 && timers.Count > 0 && timers.NextWakeNs() is long wake)
            {
                // A deadline far in the past (even long.MinValue) is due now: never subtract across the overflow.
                long slacked = SlackedWake(wake);
                long untilWake = slacked <= now ? 0 : slacked - now;
                waitNs = waitNs < 0 ? untilWake : Math.Min(waitNs, untilWake);
            }
            bool woken = PollOnce(waitNs);
            if (timers.Count > 0)
            {
                now = Instant.Now.Nanoseconds;
                var sink = new BatchSink(this, now, _metrics.TimerLag.Enabled);
                timers.TakeExpired(now, ref sink);
            }
            else if (finiteWait)
            {
                now = Instant.Now.Nanoseconds;
            }
            if (woken || _batchCount > 0 || mustNotBlock || now >= userDeadline)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Called after a wait that follows a batch with an event for no live source: an event of this wait whose token
    /// names no live, enabled source was registered when the wait began, yet its source is gone, so its registration
    /// leaked (a descriptor closed while registered, while a duplicate kept its file open: nothing can delete it
    /// now). Rebuilds the poller from the live registrations, so that the leak cannot make the loop spin, and
    /// reports it once through <see cref="UnhandledException"/> (it never propagates: the loop has recovered).
    /// </summary>
    private void CheckForLeakedRegistrations(int n)
    {
        _staleEventSeen = false;
        for (int i = 0; i < n; i++)
        {
            Token token = _osEvents[i].Token;
            if (SourceRegistry<TData>.IsWakeToken(token) || _registry.EntryFor(token) is not null)
            {
                continue;
            }
            if (!_poll.RebuildBackend())
            {
                return;
            }
            var report = new CalloopException(
                $"The poller reported events for a registration that belongs to no source (slot {token.Slot}, version {token.Version}): " +
                "a descriptor was closed while registered, while a duplicate of it (dup, fork) kept its file open, so it could not be " +
                $"unregistered. The poller was rebuilt from its {_poll.RegisteredCount} live registrations. Remove a source before closing its descriptor.");
            var args = new LoopExceptionEventArgs(report, null, null, _errorPolicy);
            UnhandledException?.Invoke(this, args);
            _observer?.OnCallbackException(_name, args);
            return;
        }
    }

    /// <summary>
    /// Waits once on the backend (<paramref name="waitNs"/>: negative, no limit; zero, do not block) and appends its events
    /// to the batch. Returns true when the loop's own wake-up was among them (it is drained, not delivered).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private bool PollOnce(long waitNs)
    {
        int n = _poll.Wait(_osEvents, waitNs);
        if (_staleEventSeen && n > 0)
        {
            CheckForLeakedRegistrations(n);
        }
        bool woken = false;
        for (int i = 0; i < n; i++)
        {
            PollEvent ev = _osEvents[i];
            if (SourceRegistry<TData>.IsWakeToken(ev.Token))
            {
                _waker.Drain(_poll);
                woken = true;
            }
            else
            {
                Append(ev);
            }
        }
        return woken;
    }

    /// <summary>The time to wake for a timer due at <paramref name="wake"/>: itself, or with a slack the next multiple of it.</summary>
    private long SlackedWake(long wake)
    {
        long slack = _timerSlackNs;
        if (slack <= 0 || wake > long.MaxValue - slack || wake < long.MinValue + slack)
        {
            return wake;
        }
        long rem = wake % slack;
        if (rem < 0)
        {
            rem += slack;
        }
        return rem == 0 ? wake : wake - rem + slack;
    }

    private void DeliverBatch(ref TData data)
    {
        int first = _batchNext;
        DeliverEvents(ref data);
        // Instruments are read only when listened to (a batch cut short by an exception is counted when it resumes).
        if (_metrics.Events.Enabled)
        {
            _metrics.Events.Add(_batchNext - first, _metrics.Tags());
        }
    }

    private void DeliverEvents(ref TData data)
    {
        bool recordDuration = _metrics.CallbackDuration.Enabled;
        bool checkStalls = _stallTicks != 0;
        bool timeCallbacks = recordDuration | checkStalls;
        while (_batchNext < _batchCount)
        {
            _registry.PrefetchAhead(_batch, _batchNext, _batchCount);
            PollEvent ev = _batch[_batchNext++];
            SourceEntry<TData>? entry = _registry.EntryFor(ev.Token);
            if (entry is null)
            {
                // For a source removed or disabled after the wait, or for a registration nothing can delete: the
                // next wait tells them apart.
                _staleEventSeen |= ev.Readiness != Readiness.None;
                continue;
            }
            int slot = ev.Token.Slot;
            PostAction action = PostAction.Continue;
            long started = timeCallbacks ? Stopwatch.GetTimestamp() : 0;
            // Read before the callback: a timer that drops itself is named too.
            string? sourceName = recordDuration ? _registry.NameAt(slot) : null;
            _registry.BeginCallback(slot);
            try
            {
                action = entry.Process(ev.Readiness, ev.Token, ref data);
            }
            catch (Exception e)
            {
                // What the callback asked for itself (its own removal, say) still applies; then the error policy.
                try
                {
                    _registry.EndCallback(slot, entry, PostAction.Continue);
                }
                catch (Exception cleanup)
                {
                    // Keep the callback's exception as the one that counts; the loop's own failure rides along.
                    e.Data["Calloop.CleanupException"] = cleanup;
                }
                if (OnCallbackException(e, slot, ev.Token.Version))
                {
                    continue;
                }
                throw;
            }
            if (checkStalls)
            {
                // Before the post-action: a source that dropped itself is still named here.
                CheckStall(slot, ev.Token.Version, started);
            }
            try
            {
                _registry.EndCallback(slot, entry, action);
            }
            catch (Exception e)
            {
                // Applying the source's post-action (re-registering, disposing on removal) failed: the same policy.
                if (!OnCallbackException(e, slot, ev.Token.Version))
                {
                    throw;
                }
            }
            if (recordDuration)
            {
                _metrics.CallbackDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _metrics.Tags(sourceName));
            }
        }
    }

    /// <summary>Tells the observer when the callback of the source in <paramref name="slot"/>, begun at <paramref name="started"/>, ran past the stall threshold.</summary>
    private void CheckStall(int slot, int version, long started)
    {
        long elapsed = Stopwatch.GetTimestamp() - started;
        if (elapsed >= _stallTicks && _observer is LoopObserver observer)
        {
            RegistrationToken? token = _registry.LiveToken(slot, version);
            observer.OnStall(_name, token, token is null ? null : _registry.NameAt(slot), Stopwatch.GetElapsedTime(started, started + elapsed));
        }
    }

    private void Append(PollEvent ev)
    {
        if (_batchCount == _batch.Length)
        {
            Array.Resize(ref _batch, _batch.Length * 2);
        }
        _batch[_batchCount++] = ev;
    }

    /// <summary>Appends the timers the wheel expires to the batch as events, recording their lag when it is listened to.</summary>
    private readonly struct BatchSink(EventLoop<TData> loop, long nowNs, bool recordLag) : Timers.IExpirySink
    {
        public void Add(long deadlineNs, long sequence, ulong token)
        {
            loop.Append(new PollEvent(Readiness.None, new Token(token)));
            if (recordLag)
            {
                loop._metrics.TimerLag.Record((nowNs - deadlineNs) / 1e9, loop._metrics.Tags());
            }
        }
    }
}
