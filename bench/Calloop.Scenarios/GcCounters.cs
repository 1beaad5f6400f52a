using System;

namespace Calloop.Scenarios;

/// <summary>The collections and GC pause time since it was started, as the result line's <c>gc0= gc2= gc_pause_ms=</c> fields.</summary>
internal readonly struct GcCounters
{
    private readonly int _gen0 = GC.CollectionCount(0);
    private readonly int _gen2 = GC.CollectionCount(2);
    private readonly TimeSpan _pause = GC.GetTotalPauseDuration();

    public GcCounters()
    {
    }

    /// <summary>The fields, each with a leading space, for what happened since construction.</summary>
    internal string Format() => FormattableString.Invariant(
        $" gc0={GC.CollectionCount(0) - _gen0} gc2={GC.CollectionCount(2) - _gen2} gc_pause_ms={(GC.GetTotalPauseDuration() - _pause).TotalMilliseconds:F2}");
}
