using System;

namespace Calloop;

/// <summary>Which readiness a file descriptor is watched for.</summary>
[Flags]
public enum Interest
{
    /// <summary>Registered, but no readiness is reported (errors and hang-ups may still be).</summary>
    None = 0,

    /// <summary>Report when the descriptor is readable.</summary>
    Readable = 1,

    /// <summary>Report when the descriptor is writable.</summary>
    Writable = 2,

    /// <summary>Report both readability and writability.</summary>
    Both = Readable | Writable,
}
