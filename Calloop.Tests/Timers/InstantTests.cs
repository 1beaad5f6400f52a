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
}
