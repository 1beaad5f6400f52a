using System;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

public class IdleTests
{
    [Test]
    public void IdleRunsAndMutatesData()
    {
        using var loop = new EventLoop<int>();
        loop.Handle.InsertIdle((ref d) => d = 42);
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(42));
    }

    [Test]
    public void CancelledIdleNeverRuns()
    {
        using var loop = new EventLoop<bool>();
        Idle idle = loop.Handle.InsertIdle((ref ran) => ran = true);
        idle.Cancel();
        bool data = false;
        loop.Dispatch(TimeSpan.Zero, ref data);
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.False);
    }

    [Test]
    public void IdlesRunInInsertionOrderAndOnlyOnce()
    {
        using var loop = new EventLoop<string>();
        loop.Handle.InsertIdle((ref s) => s += "a");
        loop.Handle.InsertIdle((ref s) => s += "b");
        loop.Handle.InsertIdle((ref s) => s += "c");
        string data = "";
        loop.Dispatch(TimeSpan.Zero, ref data);
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo("abc"));
    }

    [Test]
    public void IdleQueuedByAnIdleRunsAtTheNextDispatch()
    {
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        handle.InsertIdle((ref n) =>
        {
            n++;
            handle.InsertIdle((ref m) => m += 10);
        });
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(1));
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(11));
    }

    [Test]
    public void AnIdleCanCancelALaterIdleOfTheSameDispatch()
    {
        using var loop = new EventLoop<int>();
        Idle second = default;
        loop.Handle.InsertIdle((ref n) => { n++; second.Cancel(); });
        second = loop.Handle.InsertIdle((ref n) => n += 100);
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(1));
    }

    [Test]
    public void ZeroTimeoutNeverBlocksEvenWithNothingToDo()
    {
        using var loop = new EventLoop<int>();
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        long before = VoluntarySwitches();
        for (int i = 0; i < 2000; i++)
        {
            loop.Dispatch(TimeSpan.Zero, ref data);
        }
        // A thread that sleeps, even for 1 ms, gives up the processor: a voluntary context switch. A loaded machine
        // takes the processor away too, but those switches are involuntary; so this holds however slow the machine.
        // A few voluntary ones may come from the runtime itself (a GC), never one per dispatch.
        Assert.That(VoluntarySwitches() - before, Is.LessThan(100), "2000 zero-timeout dispatches did not sleep");
    }

    /// <summary>How many times this thread gave up the processor of its own accord (slept or blocked).</summary>
    private static long VoluntarySwitches()
    {
        foreach (string line in System.IO.File.ReadLines("/proc/thread-self/status"))
        {
            if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan("voluntary_ctxt_switches:".Length).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException("/proc/thread-self/status has no voluntary_ctxt_switches line");
    }
}
