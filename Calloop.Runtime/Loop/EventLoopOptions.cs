using System;

namespace Calloop;

/// <summary>Settings for a new <see cref="EventLoop{TData}"/>.</summary>
public sealed class EventLoopOptions
{
    /// <summary>The readiness API to wait with. Default: <see cref="Backend.Default"/> (epoll on Linux).</summary>
    public Backend Backend { get; set; } = Backend.Default;

    /// <summary>What happens when a callback throws, for sources without a policy of their own. Default: <see cref="ErrorPolicy.Propagate"/>.</summary>
    public ErrorPolicy ErrorPolicy { get; set; } = ErrorPolicy.Propagate;

    /// <summary>The most poller events taken from the kernel per wait (the rest are taken by the next). Default 1024.</summary>
    /// <remarks>From 1 to <see cref="MaxMaxEventsPerWait"/>; the loop keeps two buffers of this many events.</remarks>
    public int MaxEventsPerWait { get; set; } = 1024;

    /// <summary>The largest <see cref="MaxEventsPerWait"/> a loop accepts: 65 536.</summary>
    public const int MaxMaxEventsPerWait = 1 << 16;

    /// <summary>
    /// How late the loop may wake for a timer so that timers due close together fire in one wake-up. Timers never
    /// fire early; with a slack they fire up to this much after their deadline (plus the system's own scheduling
    /// delay): the loop wakes at the first multiple of the slack, on the monotonic clock, at or after the earliest
    /// deadline, so every timer due in that window fires in the same dispatch. That holds for a timer that is already
    /// due too (<see cref="TimerSource.Immediate"/>, a zero <see cref="TimeoutAction.ToDuration"/>): it fires at the end
    /// of the window it falls in, which is what lets a loop busy with many timers batch them. At most one day.
    /// Default <see cref="TimeSpan.Zero"/>: the loop wakes at the exact earliest deadline, to the nanosecond the
    /// kernel allows, and a timer already due fires at the next dispatch.
    /// </summary>
    /// <remarks>
    /// Thousands of timers spread over a short window (per-request timeouts, say) cost a wake-up each without
    /// slack; a one-millisecond slack caps that at a thousand wake-ups a second, which is what loops with
    /// millisecond timers (libuv, calloop's own epoll timeout) do anyway. A slack has no effect on other sources.
    /// </remarks>
    public TimeSpan TimerSlack { get; set; } = TimeSpan.Zero;

    /// <summary>The largest <see cref="TimerSlack"/>: one day.</summary>
    internal static readonly TimeSpan MaxTimerSlack = TimeSpan.FromDays(1);

    /// <summary>Gets or sets the loop's name: the <c>calloop.loop.name</c> tag of its metrics, and the name its <see cref="Observer"/> is given. Default null.</summary>
    /// <remarks>Keep the set of names small and fixed (one per loop of the program): it becomes a metric dimension.</remarks>
    public string? Name { get; set; }

    /// <summary>Gets or sets the observer told about callback exceptions, sources the error policy disabled or removed, and stalls. Default null.</summary>
    public LoopObserver? Observer { get; set; }

    /// <summary>
    /// Gets or sets how long one source's event processing, callback included, may run before the loop reports it to
    /// <see cref="Observer"/> as a stall. Default <see cref="TimeSpan.Zero"/>: no stall detection, and no clock read for it.
    /// </summary>
    /// <remarks>A stall is reported when the callback returns (the loop cannot interrupt a callback), with its duration.</remarks>
    public TimeSpan StallThreshold { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Gets or sets the time the loop's timers follow. Default null: the monotonic clock (as is
    /// <see cref="System.TimeProvider.System"/>, which changes nothing). With another provider (a <c>FakeTimeProvider</c> in
    /// tests), timers are due on the provider's time and <see cref="Instant.Now"/> follows it on the loop's thread, so
    /// advancing the provider makes due timers fire at the next dispatch, in deadline order, without real waiting.
    /// </summary>
    /// <remarks>
    /// The loop's instants start level with the monotonic clock when the loop is created and move as the provider's
    /// timestamps do. A dispatch timeout stays real time: it bounds how long the thread blocks. See docs/testing-timers.md.
    /// </remarks>
    public System.TimeProvider? TimeProvider { get; set; }

    /// <summary>
    /// Gets or sets the factory of the loop's <c>Calloop</c> meter (one meter per factory, such as the host's). Default
    /// null: the process-wide <c>Calloop</c> meter.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }
}
