using System;
using NUnit.Framework;

namespace Calloop.Tests.Timers;

/// <summary>Arithmetic on <see cref="Instant"/>: it saturates instead of wrapping, and rounds durations up.</summary>
public class InstantTests
{
    [Test]
    public void InstantArithmeticSaturates()
    {
        Instant now = Instant.Now;
        Assert.That(now - TimeSpan.MinValue, Is.EqualTo(Instant.MaxValue));
        Assert.That(Instant.MaxValue - Instant.FromNanoseconds(0), Is.EqualTo(TimeSpan.FromTicks(long.MaxValue / 100 + 1)).Or.EqualTo(TimeSpan.MaxValue));
        Assert.That(Instant.FromNanoseconds(1) - Instant.FromNanoseconds(0), Is.EqualTo(TimeSpan.FromTicks(1)), "rounded up, never short");
    }

    [Test]
    public void InstantsCompareAndAreEqualByTheirNanoseconds()
    {
        Instant a = Instant.FromNanoseconds(1_000);
        Instant b = Instant.FromNanoseconds(2_000);
        Assert.That(a < b && b > a && a <= b && b >= a, Is.True);
        Assert.That(b < a || a > b || b <= a || a >= b, Is.False);
        Assert.That(a <= Instant.FromNanoseconds(1_000) && a >= Instant.FromNanoseconds(1_000), Is.True);
        Assert.That(a == Instant.FromNanoseconds(1_000) && a != b, Is.True);
        Assert.That(a.Equals((object)Instant.FromNanoseconds(1_000)), Is.True);
        Assert.That(a.Equals((object)b), Is.False);
        Assert.That(a.Equals((object)1_000L), Is.False, "a boxed long is not an instant");
        Assert.That(a.GetHashCode(), Is.EqualTo(Instant.FromNanoseconds(1_000).GetHashCode()));
        Assert.That(a.CompareTo(b), Is.Negative);
        Assert.That(b.CompareTo(a), Is.Positive);
    }

    [Test]
    [SetCulture("en-US")]
    public void ToStringShowsSecondsOrMaxValue()
    {
        Assert.That(Instant.FromNanoseconds(1_500_000_001).ToString(), Is.EqualTo("1.500000001s"));
        Assert.That(Instant.MaxValue.ToString(), Is.EqualTo("Instant.MaxValue"));
    }

    [Test]
    public void AddingANegativeDurationStopsAtTheClocksOrigin()
    {
        Assert.That(Instant.FromNanoseconds(100) + TimeSpan.FromTicks(-2), Is.EqualTo(Instant.FromNanoseconds(0)));
        Assert.That(Instant.FromNanoseconds(-1) + TimeSpan.MinValue, Is.EqualTo(Instant.FromNanoseconds(0)), "no wrap to a huge instant");
        Assert.That(Instant.FromNanoseconds(100) + TimeSpan.FromTicks(-1), Is.EqualTo(Instant.FromNanoseconds(0)));
        Assert.That(Instant.FromNanoseconds(300) + TimeSpan.FromTicks(-1), Is.EqualTo(Instant.FromNanoseconds(200)));
    }

    [Test]
    public void AddingToMaxValueStaysMaxValue()
    {
        Assert.That(Instant.MaxValue + TimeSpan.Zero, Is.EqualTo(Instant.MaxValue));
        Assert.That(Instant.MaxValue + TimeSpan.FromTicks(1), Is.EqualTo(Instant.MaxValue));
        Assert.That(Instant.FromNanoseconds(long.MaxValue - 50) + TimeSpan.FromTicks(1), Is.EqualTo(Instant.MaxValue));
    }

    [Test]
    public void TheDifferenceOfExtremeInstantsSaturatesInsteadOfWrapping()
    {
        Assert.That(Instant.MaxValue - Instant.FromNanoseconds(-2), Is.EqualTo(TimeSpan.MaxValue));
        Assert.That(Instant.FromNanoseconds(-2) - Instant.MaxValue, Is.EqualTo(TimeSpan.MinValue));
        Assert.That(Instant.FromNanoseconds(0) - Instant.FromNanoseconds(250), Is.EqualTo(TimeSpan.FromTicks(-2)), "a negative difference is rounded up too (toward the later instant)");
        Assert.That(Instant.FromNanoseconds(200) - Instant.FromNanoseconds(0), Is.EqualTo(TimeSpan.FromTicks(2)), "a whole number of ticks is exact");
    }
}
