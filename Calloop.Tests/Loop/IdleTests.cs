using System;
using System.Threading;
using Calloop.Tests.Support;
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
    public void AStaleIdleHandleDoesNotCancelTheCallbackThatReusedItsSlot()
    {
        using var loop = new EventLoop<string>();
        Idle first = loop.Handle.InsertIdle((ref s) => s += "a");
        string data = "";
        loop.Dispatch(TimeSpan.Zero, ref data);
        // The first callback ran and freed its slot; the next one takes it.
        loop.Handle.InsertIdle((ref s) => s += "b");
        first.Cancel();
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo("ab"), "cancelling a callback that already ran is harmless to its successor");
    }

    [Test]
    public void AHandleOfACancelledIdleDoesNotCancelTheCallbackThatReusedItsSlot()
    {
        using var loop = new EventLoop<string>();
        Idle first = loop.Handle.InsertIdle((ref s) => s += "a");
        first.Cancel();
        loop.Handle.InsertIdle((ref s) => s += "b");
        first.Cancel();
        string data = "";
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo("b"));
    }

    [Test]
    public void FifoOrderHoldsWhenACancelledCallbacksSlotIsReused()
    {
        using var loop = new EventLoop<string>();
        Idle a = loop.Handle.InsertIdle((ref s) => s += "A");
        loop.Handle.InsertIdle((ref s) => s += "X");
        a.Cancel();
        // B takes A's slot, but was queued after X: it runs after X, once.
        loop.Handle.InsertIdle((ref s) => s += "B");
        string data = "";
        loop.Dispatch(TimeSpan.Zero, ref data);
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo("XB"));
    }

    [Test]
    public void ThePendingCountFollowsInsertCancelAndRun()
    {
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        Idle a = handle.InsertIdle((ref n) => n++);
        handle.InsertIdle((ref n) => n++);
        Assert.That(handle.Registry.Idles.Count, Is.EqualTo(2));
        a.Cancel();
        a.Cancel();
        Assert.That(handle.Registry.Idles.Count, Is.EqualTo(1), "a second cancel counts nothing");
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(handle.Registry.Idles.Count, Is.Zero);
        a.Cancel();
        Assert.That(handle.Registry.Idles.Count, Is.Zero, "cancelling after the run counts nothing");
        Assert.That(data, Is.EqualTo(1));
    }

    [Test]
    public void ANestedLoopReportsNoWorkOnceItsIdlesHaveRun()
    {
        using var inner = new EventLoop<int>();
        var nested = new NestedLoopSource<int>(inner, 0);
        using var outer = new EventLoop<int>();
        outer.Handle.InsertSource(nested, (_, ref _, ref n) => n++);
        int ran = 0;
        inner.Handle.InsertIdle((ref _) => ran++);
        Idle cancelled = inner.Handle.InsertIdle((ref _) => ran += 100);
        cancelled.Cancel();
        int innerDispatches = 0;
        outer.Dispatch(TimeSpan.Zero, ref innerDispatches);
        Assert.That((ran, innerDispatches), Is.EqualTo((1, 1)), "the pending idle made the outer loop dispatch the inner one");
        for (int i = 0; i < 3; i++)
        {
            outer.Dispatch(TimeSpan.Zero, ref innerDispatches);
        }
        Assert.That(innerDispatches, Is.EqualTo(1), "with no idle left the inner loop has nothing to do");
    }

    [Test]
    public void MoreThanSixteenIdlesAfterTheQueueWrappedRunInOrder()
    {
        using var loop = new EventLoop<System.Collections.Generic.List<int>>();
        var data = new System.Collections.Generic.List<int>();
        // Move the queue's start to the middle of its first array, then queue more than it holds.
        for (int i = 0; i < 10; i++)
        {
            int id = -1 - i;
            loop.Handle.InsertIdle((ref l) => l.Add(id));
        }
        loop.Dispatch(TimeSpan.Zero, ref data);
        data.Clear();
        var cancelled = new System.Collections.Generic.List<Idle>();
        for (int i = 0; i < 40; i++)
        {
            int id = i;
            Idle idle = loop.Handle.InsertIdle((ref l) => l.Add(id));
            if (i % 5 == 4)
            {
                cancelled.Add(idle);
            }
        }
        foreach (Idle idle in cancelled)
        {
            idle.Cancel();
        }
        Assert.That(loop.Handle.Registry.Idles.Count, Is.EqualTo(32));
        loop.Dispatch(TimeSpan.Zero, ref data);
        var expected = new System.Collections.Generic.List<int>();
        for (int i = 0; i < 40; i++)
        {
            if (i % 5 != 4)
            {
                expected.Add(i);
            }
        }
        Assert.That(data, Is.EqualTo(expected));
        Assert.That(loop.Handle.Registry.Idles.Count, Is.Zero);

        // And again, now that the queue has grown and its start moved once more.
        data.Clear();
        for (int i = 0; i < 70; i++)
        {
            int id = i;
            loop.Handle.InsertIdle((ref l) => l.Add(id));
        }
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(System.Linq.Enumerable.Range(0, 70)));
    }

    [TestCase(2)]
    [TestCase(16)]
    [TestCase(17)]
    public void IdlesQueuedWhenTheLoopIsDisposedNeverRun(int count)
    {
        var loop = new EventLoop<int>();
        int ran = 0;
        for (int i = 0; i < count; i++)
        {
            loop.Handle.InsertIdle((ref _) => ran++);
        }
        LoopHandle<int> handle = loop.Handle;
        loop.Dispose();
        Assert.That(handle.Registry.Idles.Count, Is.Zero, "disposal dropped every pending idle");
        Assert.That(ran, Is.Zero);
    }

    [Test]
    public void AnIdleQueuedAndRunOverAndOverKeepsItsMemoryFlat()
    {
        // Cancelled and run callbacks leave the queue: a loop that queues an idle every dispatch for a long time must
        // not grow anything (the arrays reach their size in the first dispatches, then steady state allocates nothing).
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        IdleCallback<int> count = (ref n) => n++;
        int data = 0;
        for (int i = 0; i < 1000; i++)
        {
            handle.InsertIdle(count);
            handle.InsertIdle(count).Cancel();
            loop.Dispatch(TimeSpan.Zero, ref data);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++)
        {
            handle.InsertIdle(count);
            handle.InsertIdle(count).Cancel();
            loop.Dispatch(TimeSpan.Zero, ref data);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(data, Is.EqualTo(101_000));
        // A queue that kept 200,000 spent entries would have allocated megabytes; allow the runtime a stray allocation.
        Assert.That(allocated, Is.LessThan(64 * 1024));
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

    [Test]
    public void CancellingAnIdleAfterTheLoopIsDisposedIsHarmless()
    {
        var loop = new EventLoop<int>();
        bool ran = false;
        Idle idle = loop.Handle.InsertIdle((ref _) => ran = true);
        loop.Dispose();
        idle.Cancel();
        // Nor from another thread (a finalizer or a clean-up task): the loop is gone, so its thread is no longer checked.
        Exception? fromAnotherThread = null;
        Thread thread = Waits.Start(() =>
        {
            try
            {
                idle.Cancel();
            }
            catch (Exception e)
            {
                fromAnotherThread = e;
            }
        });
        Waits.Join(thread, "the cancelling thread ended");
        Assert.That(fromAnotherThread, Is.Null);
        Assert.That(ran, Is.False, "disposing the loop dropped the idle callback unrun");
    }
}
