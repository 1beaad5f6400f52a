using System;

namespace Calloop;

/// <summary>What a timer does after its callback ran: stop, or fire again at an instant or after a duration.</summary>
public readonly struct TimeoutAction : IEquatable<TimeoutAction>
{
    private enum Kind : byte
    {
        Drop,
        ToInstant,
        ToDuration,
    }

    private readonly Kind _kind;
    private readonly Instant _instant;
    private readonly TimeSpan _duration;

    private TimeoutAction(Kind kind, Instant instant, TimeSpan duration)
    {
        _kind = kind;
        _instant = instant;
        _duration = duration;
    }

    /// <summary>Do not fire again: the timer is removed from the loop.</summary>
    public static TimeoutAction Drop => default;

    /// <summary>Fire again at <paramref name="deadline"/>.</summary>
    public static TimeoutAction ToInstant(Instant deadline) => new(Kind.ToInstant, deadline, default);

    /// <summary>Fire again <paramref name="duration"/> from now (a huge duration never fires).</summary>
    public static TimeoutAction ToDuration(TimeSpan duration) => new(Kind.ToDuration, default, duration);

    /// <summary>True for <see cref="Drop"/>.</summary>
    public bool IsDrop => _kind == Kind.Drop;

    /// <summary>The next deadline, computed from <paramref name="now"/>; null for <see cref="Drop"/>.</summary>
    internal Instant? NextDeadline(Instant now) => _kind switch
    {
        Kind.ToInstant => _instant,
        Kind.ToDuration => now + _duration,
        _ => null,
    };

    /// <inheritdoc/>
    public bool Equals(TimeoutAction other) => _kind == other._kind && _instant == other._instant && _duration == other._duration;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TimeoutAction other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_kind, _instant, _duration);

    /// <summary>Compares two actions.</summary>
    public static bool operator ==(TimeoutAction left, TimeoutAction right) => left.Equals(right);

    /// <summary>Compares two actions.</summary>
    public static bool operator !=(TimeoutAction left, TimeoutAction right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => _kind switch
    {
        Kind.ToInstant => $"ToInstant({_instant})",
        Kind.ToDuration => $"ToDuration({_duration})",
        _ => "Drop",
    };
}
