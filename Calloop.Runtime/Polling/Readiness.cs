using System;

namespace Calloop;

/// <summary>The readiness the poller reported for a file descriptor.</summary>
[Flags]
public enum Readiness
{
    /// <summary>No readiness: the event is synthetic (a timer, a lifecycle hook).</summary>
    None = 0,

    /// <summary>The descriptor is readable (or its peer hung up).</summary>
    Readable = 1,

    /// <summary>The descriptor is writable.</summary>
    Writable = 2,

    /// <summary>The descriptor is in an error state.</summary>
    Error = 4,
}
