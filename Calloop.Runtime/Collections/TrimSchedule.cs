using System;

namespace Calloop.Collections;

/// <summary>
/// When tables that grew for a burst should be trimmed: once they have stayed sparse (much more room than use) for
/// <see cref="DelayMs"/>. The delay is what keeps a steady load, which refills them sooner, from shrinking and regrowing them.
/// </summary>
internal struct TrimSchedule
{
    /// <summary>How long the tables must stay sparse before they are trimmed.</summary>
    internal const long DelayMs = 1000;

    private long _sparseSinceMs;

    /// <summary>
    /// Records whether the tables are <paramref name="sparse"/> now; true once they have been so for <see cref="DelayMs"/>
    /// (the caller then trims and calls <see cref="Reset"/>).
    /// </summary>
    internal bool IsDue(bool sparse)
    {
        if (!sparse)
        {
            _sparseSinceMs = 0;
            return false;
        }
        long now = Environment.TickCount64;
        if (_sparseSinceMs == 0)
        {
            _sparseSinceMs = now;
            return false;
        }
        return now - _sparseSinceMs >= DelayMs;
    }

    /// <summary>The tables were trimmed: the delay starts again the next time they are sparse.</summary>
    internal void Reset() => _sparseSinceMs = 0;
}
