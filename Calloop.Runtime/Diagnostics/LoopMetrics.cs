using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Calloop.Diagnostics;

/// <summary>
/// A loop's instruments, on a meter named <c>Calloop</c>: the process-wide one (watch it with
/// <c>dotnet-counters monitor --counters Calloop</c>), or one from <see cref="EventLoopOptions.MeterFactory"/>. Each costs
/// a flag test when nothing listens; with a listener, recording allocates nothing.
/// </summary>
internal sealed class LoopMetrics
{
    internal const string MeterName = "Calloop";
    internal const string LoopNameTag = "calloop.loop.name";
    internal const string SourceNameTag = "calloop.source.name";

    /// <summary>Bucket boundaries, in seconds, from a microsecond to five seconds: what a callback or a timer's lag takes.</summary>
    internal static readonly IReadOnlyList<double> DurationBuckets =
    [
        0.000_001, 0.000_002, 0.000_005, 0.000_01, 0.000_02, 0.000_05, 0.000_1, 0.000_2, 0.000_5,
        0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5,
    ];

    private static readonly Meter s_meter = new(MeterName, "1.0");

    /// <summary>The instruments of the process-wide meter, shared by every loop without a meter factory.</summary>
    private static readonly LoopMetrics s_shared = new(s_meter, null);

    private readonly string? _loopName;

    private LoopMetrics(Meter meter, string? loopName)
    {
        _loopName = loopName;
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets };
        Dispatches = meter.CreateCounter<long>("calloop.dispatches", "{dispatch}", "Dispatches run by event loops.");
        Events = meter.CreateCounter<long>("calloop.events", "{event}", "Events delivered to event sources.");
        CallbackDuration = meter.CreateHistogram("calloop.callback.duration", "s", "Time spent processing one event, callback included.", null, advice);
        TimerLag = meter.CreateHistogram("calloop.timer.lag", "s", "Delay between a timer's deadline and its dispatch.", null, advice);
    }

    private LoopMetrics(LoopMetrics shared, string loopName)
    {
        _loopName = loopName;
        Dispatches = shared.Dispatches;
        Events = shared.Events;
        CallbackDuration = shared.CallbackDuration;
        TimerLag = shared.TimerLag;
    }

    /// <summary>The instruments for a loop: on a meter of <paramref name="factory"/>, or the process-wide ones; tagged with <paramref name="loopName"/> when given.</summary>
    internal static LoopMetrics For(IMeterFactory? factory, string? loopName)
    {
        if (factory is not null)
        {
            return new LoopMetrics(factory.Create(new MeterOptions(MeterName) { Version = "1.0" }), loopName);
        }
        return loopName is null ? s_shared : new LoopMetrics(s_shared, loopName);
    }

    /// <summary>Dispatches run.</summary>
    internal Counter<long> Dispatches { get; }

    /// <summary>Events delivered to sources (poller events, expired timers and synthetic events).</summary>
    internal Counter<long> Events { get; }

    /// <summary>Time spent in each source's event processing, callback included.</summary>
    internal Histogram<double> CallbackDuration { get; }

    /// <summary>How late an expired timer is dispatched after its deadline.</summary>
    internal Histogram<double> TimerLag { get; }

    /// <summary>The loop's tags: its name, if it has one.</summary>
    internal TagList Tags()
    {
        var tags = default(TagList);
        if (_loopName is not null)
        {
            tags.Add(LoopNameTag, _loopName);
        }
        return tags;
    }

    /// <summary>The tags of one source's measurement: the loop's, and the source's name if it has one.</summary>
    internal TagList Tags(string? sourceName)
    {
        TagList tags = Tags();
        if (sourceName is not null)
        {
            tags.Add(SourceNameTag, sourceName);
        }
        return tags;
    }
}
