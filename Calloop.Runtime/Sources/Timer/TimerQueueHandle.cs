using System;

namespace Calloop;

/// <summary>
/// Names one timer of a <see cref="TimerQueue{T}"/>: its slot in the queue, the slot's version and the queue. A handle
/// whose timer has fired (and was dropped) or was cancelled is stale, even after its slot holds a newer timer: the
/// queue's <see cref="TimerQueue{T}.Cancel"/> and <see cref="TimerQueue{T}.Reschedule(TimerQueueHandle, Instant)"/>
/// then return false and touch nothing. <c>default</c> names no timer.
/// </summary>
public readonly struct TimerQueueHandle : IEquatable<TimerQueueHandle>
{
    internal TimerQueueHandle(int index, int version, int queueId)
    {
        Index = index;
        Version = version;
        QueueId = queueId;
    }

    internal int Index { get; }

    internal int Version { get; }

    /// <summary>The queue that issued the handle; 0 for <c>default</c>.</summary>
    internal int QueueId { get; }

    /// <inheritdoc/>
    public bool Equals(TimerQueueHandle other) => Index == other.Index && Version == other.Version && QueueId == other.QueueId;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TimerQueueHandle other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Index, Version, QueueId);

    /// <summary>Compares two handles.</summary>
    public static bool operator ==(TimerQueueHandle left, TimerQueueHandle right) => left.Equals(right);

    /// <summary>Compares two handles.</summary>
    public static bool operator !=(TimerQueueHandle left, TimerQueueHandle right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() =>
        QueueId == 0 ? "TimerQueueHandle(none)" : $"TimerQueueHandle(slot {Index}, version {Version}, queue {QueueId})";
}

/// <summary>
/// The metadata of a <see cref="TimerQueue{T}"/> event: which timer fired and the deadline it was scheduled for (the
/// event itself is the timer's payload).
/// </summary>
public readonly struct FiredTimer
{
    internal FiredTimer(TimerQueueHandle handle, Instant deadline)
    {
        Handle = handle;
        Deadline = deadline;
    }

    /// <summary>The timer's handle: still valid while its callback runs, and afterwards if the callback re-arms it.</summary>
    public TimerQueueHandle Handle { get; }

    /// <summary>The deadline the timer fired for (it fired at or after it, never before).</summary>
    public Instant Deadline { get; }

    /// <inheritdoc/>
    public override string ToString() => $"FiredTimer({Handle}, deadline {Deadline})";
}
