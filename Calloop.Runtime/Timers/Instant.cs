using System;
using System.Diagnostics;

namespace Calloop;

/// <summary>
/// A point on the monotonic clock (CLOCK_MONOTONIC on Linux), in nanoseconds. Arithmetic saturates:
/// adding a huge <see cref="TimeSpan"/> gives <see cref="MaxValue"/>, a time that never comes.
/// </summary>
public readonly struct Instant : IEquatable<Instant>, IComparable<Instant>
{
    private static readonly double s_nsPerTick = 1_000_000_000.0 / Stopwatch.Frequency;
    private static readonly bool s_tickIsNs = Stopwatch.Frequency == 1_000_000_000;

    private Instant(long nanoseconds) => Nanoseconds = nanoseconds;

    /// <summary>A time later than any other: a timer with this deadline never fires.</summary>
    public static Instant MaxValue => new(long.MaxValue);

    /// <summary>Gets the current time: on the monotonic clock, or on the thread of a loop created with <see cref="EventLoopOptions.TimeProvider"/>, that provider's time.</summary>
    /// <remarks>
    /// <see cref="TimerSource.FromDuration"/>, <see cref="TimerSource.Immediate"/>, <see cref="TimeoutAction.ToDuration"/>
    /// and <c>LoopHandle.Delay</c> count from here, so on such a loop's thread they follow its provider. Until a loop with
    /// a provider exists, this reads the monotonic clock and nothing else.
    /// </remarks>
    public static Instant Now
    {
        get
        {
            if (Timers.LoopClock.Current is Timers.LoopClock clock)
            {
                return new Instant(clock.NowNs());
            }
            long ticks = Stopwatch.GetTimestamp();
            return new Instant(s_tickIsNs ? ticks : (long)(ticks * s_nsPerTick));
        }
    }

    /// <summary>Nanoseconds on the monotonic clock, whatever clock <see cref="Now"/> follows.</summary>
    internal static long MonotonicNanoseconds()
    {
        long ticks = Stopwatch.GetTimestamp();
        return s_tickIsNs ? ticks : (long)(ticks * s_nsPerTick);
    }

    /// <summary>Nanoseconds since an arbitrary, fixed origin (boot, on Linux).</summary>
    public long Nanoseconds { get; }

    /// <summary>Creates an instant from nanoseconds on the monotonic clock (as from <c>clock_gettime(CLOCK_MONOTONIC)</c>).</summary>
    public static Instant FromNanoseconds(long nanoseconds) => new(nanoseconds);

    /// <summary>Adds a duration, saturating at <see cref="MaxValue"/> (and at the clock's origin for negative durations).</summary>
    public static Instant operator +(Instant instant, TimeSpan duration) => new(SaturatingAdd(instant.Nanoseconds, ToNanoseconds(duration)));

    /// <summary>Subtracts a duration, saturating.</summary>
    public static Instant operator -(Instant instant, TimeSpan duration)
    {
        long ns = ToNanoseconds(duration);
        return ns == long.MinValue ? new Instant(long.MaxValue) : new Instant(SaturatingAdd(instant.Nanoseconds, -ns));
    }

    /// <summary>
    /// The time from <paramref name="earlier"/> to <paramref name="later"/> (negative if it is earlier), rounded up to
    /// the next 100 ns tick, so that waiting for it never ends before <paramref name="later"/>. Saturates.
    /// </summary>
    public static TimeSpan operator -(Instant later, Instant earlier)
    {
        long ns = unchecked(later.Nanoseconds - earlier.Nanoseconds);
        if (later.Nanoseconds >= earlier.Nanoseconds && ns < 0)
        {
            return TimeSpan.MaxValue;
        }
        if (later.Nanoseconds < earlier.Nanoseconds && ns > 0)
        {
            return TimeSpan.MinValue;
        }
        return TimeSpan.FromTicks(ns > 0 ? ns / 100 + (ns % 100 == 0 ? 0 : 1) : ns / 100);
    }

    /// <summary>Compares two instants.</summary>
    public static bool operator <(Instant left, Instant right) => left.Nanoseconds < right.Nanoseconds;

    /// <summary>Compares two instants.</summary>
    public static bool operator >(Instant left, Instant right) => left.Nanoseconds > right.Nanoseconds;

    /// <summary>Compares two instants.</summary>
    public static bool operator <=(Instant left, Instant right) => left.Nanoseconds <= right.Nanoseconds;

    /// <summary>Compares two instants.</summary>
    public static bool operator >=(Instant left, Instant right) => left.Nanoseconds >= right.Nanoseconds;

    /// <summary>Compares two instants.</summary>
    public static bool operator ==(Instant left, Instant right) => left.Nanoseconds == right.Nanoseconds;

    /// <summary>Compares two instants.</summary>
    public static bool operator !=(Instant left, Instant right) => left.Nanoseconds != right.Nanoseconds;

    /// <inheritdoc/>
    public bool Equals(Instant other) => Nanoseconds == other.Nanoseconds;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Instant other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Nanoseconds.GetHashCode();

    /// <inheritdoc/>
    public int CompareTo(Instant other) => Nanoseconds.CompareTo(other.Nanoseconds);

    /// <inheritdoc/>
    public override string ToString() => Nanoseconds == long.MaxValue ? "Instant.MaxValue" : $"{Nanoseconds / 1e9:F9}s";

    internal static long ToNanoseconds(TimeSpan duration)
    {
        long ticks = duration.Ticks;
        if (ticks > long.MaxValue / 100)
        {
            return long.MaxValue;
        }
        if (ticks < long.MinValue / 100)
        {
            return long.MinValue;
        }
        return ticks * 100;
    }

    private static long SaturatingAdd(long a, long b)
    {
        long sum = unchecked(a + b);
        if (b > 0 && sum < a)
        {
            return long.MaxValue;
        }
        if (b < 0 && sum > a)
        {
            return 0;
        }
        return a == long.MaxValue ? long.MaxValue : Math.Max(sum, 0);
    }
}
