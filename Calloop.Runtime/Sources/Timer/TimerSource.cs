using System;
using Calloop.Sources;
using Calloop.Timers;

namespace Calloop;

/// <summary>
/// A timer event source. Its event is the deadline it was scheduled for; its callback returns a
/// <see cref="TimeoutAction"/> saying whether to fire again. Timers never fire early, fire in deadline order
/// (ties in the order they were scheduled), and a deadline too far away to represent never fires.
/// </summary>
/// <example><code>
/// handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromSeconds(2)), (deadline, ref _, ref signal) =>
/// {
///     signal.Stop();
///     return TimeoutAction.Drop;
/// });
/// </code></example>
public sealed class TimerSource : IEventSource<Instant, Unit, TimeoutAction>, IDirectSource<Instant, Unit, TimeoutAction>, IOwnedSource
{
    private Instant _deadline;
    private Poll? _poll;
    private Token _token;
    private TimerKey _key;
    private bool _scheduled;
    private int _scheduledGeneration;

    private TimerSource(Instant deadline) => _deadline = deadline;

    /// <summary>A timer that fires as soon as the loop dispatches (with <see cref="EventLoopOptions.TimerSlack"/>, at the end of the current slack window).</summary>
    public static TimerSource Immediate() => new(Instant.Now);

    /// <summary>A timer that fires <paramref name="duration"/> from now. <see cref="TimeSpan.MaxValue"/> never fires.</summary>
    public static TimerSource FromDuration(TimeSpan duration) => new(Instant.Now + duration);

    /// <summary>A timer that fires at <paramref name="deadline"/> (at once if it has passed).</summary>
    public static TimerSource FromDeadline(Instant deadline) => new(deadline);

    /// <summary>The deadline the timer is (or will be) scheduled for; <see cref="Instant.MaxValue"/> for never.</summary>
    public Instant Deadline => _deadline;

    /// <summary>Changes the deadline; call <see cref="LoopHandle{TData}.Update"/> if the timer is in a loop.</summary>
    public void SetDeadline(Instant deadline) => _deadline = deadline;

    /// <summary>Changes the deadline to <paramref name="duration"/> from now; call <see cref="LoopHandle{TData}.Update"/> if the timer is in a loop.</summary>
    public void SetDuration(TimeSpan duration) => _deadline = Instant.Now + duration;

    SourceEntry<TData> IDirectSource<Instant, Unit, TimeoutAction>.CreateEntry<TData, THandler>(THandler handler) =>
        new DirectSourceEntry<TData, Instant, Unit, TimeoutAction, THandler, TimerInvoker>(new TimerInvoker(this), handler);

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        _poll = poll;
        _token = tokenFactory.NextToken();
        if (_deadline != Instant.MaxValue)
        {
            _key = poll.Timers.Insert(_deadline.Nanoseconds, _token.Value);
            _scheduledGeneration = poll.Timers.Generation;
            _scheduled = true;
        }
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        Unregister(poll);
        Register(poll, ref tokenFactory);
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        if (_scheduled)
        {
            poll.Timers.Cancel(_key);
            _scheduled = false;
        }
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<Instant, Unit, TimeoutAction>, allows ref struct
    {
        if (!_scheduled || token != _token)
        {
            return PostAction.Continue;
        }
        if (_scheduledGeneration == _poll!.Timers.Generation && _poll.Timers.IsPending(_key))
        {
            // Scheduled after the wheel last expired timers, so this event is an expiry of an earlier schedule, taken
            // before the timer was rescheduled in the same dispatch (a re-registration reuses the token): the new
            // schedule is still in the wheel and fires in its own time. The generations are compared first so that
            // the timer's (cold) wheel node is read only then; the node decides, so that a generation counter that
            // has wrapped around to the same value cannot drop a due timer.
            return PostAction.Continue;
        }
        _scheduled = false;
        Unit metadata = default;
        TimeoutAction action;
        try
        {
            action = callback.Invoke(_deadline, ref metadata);
        }
        catch
        {
            // The timer stays in the loop (as any source whose callback threw), so it stays scheduled: at the same
            // deadline, which has passed, so it is retried at the next dispatch (unless the error policy disables or
            // removes it, which unregisters it).
            _key = _poll.Timers.Insert(_deadline.Nanoseconds, _token.Value);
            _scheduledGeneration = _poll.Timers.Generation;
            _scheduled = true;
            throw;
        }
        if (action.IsDrop)
        {
            // The common one-shot case reads no clock: only ToDuration needs "now".
            return PostAction.Remove;
        }
        if (action.NextDeadline(Instant.Now) is Instant next)
        {
            _deadline = next;
            return PostAction.Reregister;
        }
        return PostAction.Remove;
    }

    // The poller doubles as the record of the loop the timer is in (a timer is the one source a loop may hold a
    // million of, so it gets no extra field): set when the loop inserts it (and at registration), cleared when the loop
    // removes it.
    ref object? IOwnedSource.Owner => ref System.Runtime.CompilerServices.Unsafe.As<Poll?, object?>(ref _poll);
}
