using System.Diagnostics.Metrics;

namespace Calloop.Diagnostics;

/// <summary>
/// The loop's instruments, on the <c>Calloop</c> meter (watch them with <c>dotnet-counters monitor --counters Calloop</c>).
/// Each costs a flag test when nothing listens.
/// </summary>
internal static class LoopMetrics
{
    internal const string MeterName = "Calloop";

    private static readonly Meter s_meter = new(MeterName, "1.0");

    /// <summary>Dispatches run, across every loop of the process.</summary>
    internal static readonly Counter<long> Dispatches = s_meter.CreateCounter<long>("calloop.dispatches", "{dispatch}", "Dispatches run by event loops.");

    /// <summary>Events delivered to sources (poller events, expired timers and synthetic events).</summary>
    internal static readonly Counter<long> Events = s_meter.CreateCounter<long>("calloop.events", "{event}", "Events delivered to event sources.");

    /// <summary>Time spent in each source's event processing, callback included.</summary>
    internal static readonly Histogram<double> CallbackDuration = s_meter.CreateHistogram<double>("calloop.callback.duration", "s", "Time spent processing one event, callback included.");

    /// <summary>How late an expired timer is dispatched after its deadline.</summary>
    internal static readonly Histogram<double> TimerLag = s_meter.CreateHistogram<double>("calloop.timer.lag", "s", "Delay between a timer's deadline and its dispatch.");
}
