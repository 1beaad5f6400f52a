using System;
using System.Diagnostics;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

/// <summary>After a burst, an idle loop gives its memory back: on demand, and by itself.</summary>
[NonParallelizable]
public class MemoryReturnTests
{
    private const long Tolerance = 2 * 1024 * 1024;

    private static long Managed() => GC.GetTotalMemory(forceFullCollection: true);

    private static void InsertAndCancel(EventLoop<int> loop, int count)
    {
        var tokens = new RegistrationToken[count];
        for (int i = 0; i < count; i++)
        {
            tokens[i] = loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromSeconds(10 + (i % 1000))), (_, ref _, ref _) => TimeoutAction.Drop);
        }
        for (int i = 0; i < count; i++)
        {
            loop.Handle.Remove(tokens[i]);
        }
    }

    [Test]
    public void AMillionCancelledTimersLeaveNothingBehindAfterTrimExcess()
    {
        using var loop = new EventLoop<int>();
        long fresh = Managed();
        InsertAndCancel(loop, 1_000_000);
        int n = 0;
        loop.Dispatch(TimeSpan.Zero, ref n);
        long burst = Managed();
        loop.TrimExcess();
        long after = Managed();
        Assert.That(burst - fresh, Is.GreaterThan(8 * Tolerance), "the burst held memory (or this test measures nothing)");
        Assert.That(after - fresh, Is.LessThan(Tolerance), $"fresh {fresh:N0} B, after the burst {burst:N0} B, after TrimExcess {after:N0} B");
    }

    [Test]
    public void AMillionFiredTimersLeaveNothingBehindAfterTrimExcess()
    {
        using var loop = new EventLoop<int>();
        long fresh = Managed();
        const int Count = 1_000_000;
        for (int i = 0; i < Count; i++)
        {
            loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref fired) =>
            {
                fired++;
                return TimeoutAction.Drop;
            });
        }
        int fired = 0;
        var clock = Stopwatch.StartNew();
        while (fired < Count && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            loop.Dispatch(TimeSpan.FromSeconds(1), ref fired);
        }
        Assert.That(fired, Is.EqualTo(Count));
        long burst = Managed();
        loop.TrimExcess();
        long after = Managed();
        Assert.That(after - fresh, Is.LessThan(Tolerance), $"fresh {fresh:N0} B, after the burst {burst:N0} B, after TrimExcess {after:N0} B");
    }

    [Test]
    public void AnIdleLoopTrimsItselfAfterABurst()
    {
        using var loop = new EventLoop<int>();
        long fresh = Managed();
        InsertAndCancel(loop, 300_000);
        int n = 0;
        long after = long.MaxValue;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(100), ref n);
            after = Managed();
            if (after - fresh < Tolerance)
            {
                break;
            }
        }
        Assert.That(after - fresh, Is.LessThan(Tolerance), $"fresh {fresh:N0} B, still {after:N0} B after {clock.Elapsed.TotalSeconds:F1} s of idle dispatches");
    }

    [Test]
    public void TokensFromBeforeATrimStayStale()
    {
        using var loop = new EventLoop<int>();
        var tokens = new RegistrationToken[20_000];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        }
        foreach (RegistrationToken t in tokens)
        {
            loop.Handle.Remove(t);
        }
        loop.TrimExcess();
        var fresh = new RegistrationToken[20_000];
        for (int i = 0; i < fresh.Length; i++)
        {
            fresh[i] = loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        }
        Assert.Throws<ArgumentException>(() => loop.Handle.Remove(tokens[^1]));
        Assert.Throws<ArgumentException>(() => loop.Handle.Disable(tokens[0]));
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(fresh.Length), "no new source was touched through an old token");
        Assert.That(loop.Handle.GetSources(), Has.All.Property(nameof(SourceInfo.Enabled)).True);
    }

    [Test]
    public void ASteadyLoadKeepsItsTablesAndLiveSourcesSurviveATrim()
    {
        using var loop = new EventLoop<int>();
        int fired = 0;
        // Long-lived sources, inserted before and during a burst, keep working through the trim.
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromMilliseconds(50)), (_, ref _, ref f) =>
        {
            f++;
            return TimeoutAction.ToDuration(TimeSpan.FromMilliseconds(50));
        });
        InsertAndCancel(loop, 50_000);
        var (ping, source) = Ping.Create();
        using var _p = ping;
        loop.Handle.InsertSource(source, (_, ref _, ref f) => f += 1000);
        loop.TrimExcess();
        ping.Send();
        var clock = Stopwatch.StartNew();
        while (fired < 1003 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            loop.Dispatch(TimeSpan.FromSeconds(1), ref fired);
        }
        Assert.That(fired, Is.GreaterThanOrEqualTo(1003), "the ping and the repeating timer still fire after the trim");
    }

    [Test]
    public void TrimExcessIsRefusedInsideACallback()
    {
        using var loop = new EventLoop<EventLoop<int>?>();
        EventLoop<int>? none = null;
        Exception? seen = null;
        EventLoop<EventLoop<int>?>? self = loop;
        loop.Handle.InsertIdle((ref EventLoop<int>? _) =>
        {
            try
            {
                self.TrimExcess();
            }
            catch (InvalidOperationException e)
            {
                seen = e;
            }
        });
        loop.Dispatch(TimeSpan.Zero, ref none);
        Assert.That(seen, Is.Not.Null);
    }
}
