using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Calloop.Timers;

namespace Calloop.Tests;

/// <summary>Reading a wheel the way the loop does, into a list the tests can inspect.</summary>
internal static class TimerWheelExpiry
{
    /// <summary>Takes every timer due at <paramref name="nowNs"/> out of the wheel into <paramref name="expired"/>, in order.</summary>
    public static void Expire(this TimerWheel wheel, long nowNs, List<ExpiredTimer> expired)
    {
        var sink = new ListSink(expired);
        wheel.TakeExpired(nowNs, ref sink);
    }

    /// <summary>The wheel's expiry counter, so a test can put it where a wrapped-around counter would be.</summary>
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_generation")]
    public static extern ref int GenerationOf(TimerWheel wheel);

    private readonly struct ListSink(List<ExpiredTimer> list) : IExpirySink
    {
        public void Add(long deadlineNs, long sequence, ulong token) => list.Add(new ExpiredTimer(deadlineNs, 0, token));
    }
}
