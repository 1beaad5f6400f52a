using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

/// <summary>The handle's guards: the loop's thread only, stale tokens refused, slots and their settings reused cleanly.</summary>
public class LoopHandleTests
{
    private static RegistrationToken InsertTimer(LoopHandle<int> handle, string? name = null) =>
        handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop, name);

    private static Generic<FileDescriptor> BadFd() => Generic.From(new FileDescriptor(4200), Interest.Readable, Mode.Level);

    [TestCase("Idle.Cancel")]
    [TestCase("LoopHandle.InsertIdle")]
    [TestCase("LoopHandle.InsertSource")]
    [TestCase("LoopHandle.SetErrorPolicy")]
    [TestCase("LoopHandle.GetSources")]
    [TestCase("LoopHandle.Remove")]
    [TestCase("LoopHandle.Enable")]
    [TestCase("LoopHandle.Disable")]
    [TestCase("LoopHandle.Update")]
    public void EveryEntryPointRefusesAnotherThreadAndChangesNothing(string operation)
    {
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        RegistrationToken token = InsertTimer(handle, "timer");
        int ran = 0;
        Idle idle = handle.InsertIdle((ref _) => ran++);
        Action call = operation switch
        {
            "Idle.Cancel" => idle.Cancel,
            "LoopHandle.InsertIdle" => () => handle.InsertIdle((ref _) => ran += 100),
            "LoopHandle.InsertSource" => () => InsertTimer(handle),
            "LoopHandle.SetErrorPolicy" => () => handle.SetErrorPolicy(token, ErrorPolicy.RemoveSource),
            "LoopHandle.GetSources" => () => handle.GetSources(),
            "LoopHandle.Remove" => () => handle.Remove(token),
            "LoopHandle.Enable" => () => handle.Enable(token),
            "LoopHandle.Disable" => () => handle.Disable(token),
            "LoopHandle.Update" => () => handle.Update(token),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };
        Exception? caught = null;
        Thread thread = Waits.Start(() =>
        {
            try
            {
                call();
            }
            catch (Exception e)
            {
                caught = e;
            }
        });
        Waits.Join(thread, "the foreign thread ended");

        Assert.That(caught, Is.TypeOf<InvalidOperationException>());
        Assert.That(caught!.Message, Does.StartWith(operation + " must be called on the event loop's thread"));
        // Nothing changed: the one source is there, enabled, without a policy; the idle is still queued.
        Assert.That(handle.GetSources(), Is.EqualTo(new[] { new SourceInfo(token, "timer", "TimerSource", true, null) }));
        Assert.That(handle.Registry.Idles.Count, Is.EqualTo(1));
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(ran, Is.EqualTo(1), "the idle ran, and only it");
    }

    [Test]
    public void SetErrorPolicyRefusesAStaleTokenAndLeavesTheSlotsNewSourceAlone()
    {
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        RegistrationToken old = InsertTimer(handle);
        handle.Remove(old);
        Assert.Throws<ArgumentException>(() => handle.SetErrorPolicy(old, ErrorPolicy.StopLoop), "slot free");
        RegistrationToken next = InsertTimer(handle, "next");
        Assert.That(next.Slot, Is.EqualTo(old.Slot));

        var e = Assert.Throws<ArgumentException>(() => handle.SetErrorPolicy(old, ErrorPolicy.StopLoop));
        Assert.That(e!.Message, Does.Contain("SetErrorPolicy").And.Contain("stale"));
        Assert.That(handle.GetSources()[0], Is.EqualTo(new SourceInfo(next, "next", "TimerSource", true, null)));
    }

    [Test]
    public void ADelayCancelledFromAnotherThreadWakesADispatchBlockedWithoutATimeout()
    {
        using var loop = new EventLoop<int>();
        using var cts = new CancellationTokenSource();
        int data = 0;
        Task delay = loop.BlockOn(() => Task.FromResult(loop.Handle.Delay(TimeSpan.FromHours(1), cts.Token)), ref data);
        int tid = LoopThread.CurrentTid();
        bool sawItBlocked = false;
        Thread canceller = Waits.Start(() =>
        {
            // Cancel only once the loop is blocked in its wait: nothing but the cancellation can end that wait early.
            sawItBlocked = SpinWait.SpinUntil(() => LoopThread.IsBlockedInWait(tid), TimeSpan.FromSeconds(10));
            cts.Cancel();
        });
        long started = Stopwatch.GetTimestamp();

        loop.Dispatch(Waits.Patience, ref data);

        TimeSpan blocked = Stopwatch.GetElapsedTime(started);
        Waits.Join(canceller, "the cancelling thread ended");
        Assert.That(sawItBlocked, Is.True, "the loop blocked in its wait");
        Assert.That(blocked, Is.LessThan(Waits.Patience / 2), "the cancellation woke the loop (the hour-long timer did not)");
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(loop.Handle.SourceCount, Is.Zero, "the delay's timer was removed");
        Assert.That(loop.NextTimerDeadline, Is.Null);
        Assert.That(delay.IsCanceled, Is.True);
    }

    [Test]
    public void ARemovalAskedFromAnotherThreadWithAStaleTokenTouchesNothing()
    {
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        RegistrationToken gone = InsertTimer(handle);
        handle.Remove(gone);
        RegistrationToken freeSlot = InsertTimer(handle);
        handle.Remove(freeSlot);
        RegistrationToken reused = InsertTimer(handle, "reused");
        Assert.That(reused.Slot, Is.EqualTo(gone.Slot));
        RegistrationToken live = InsertTimer(handle, "live");

        Thread thread = Waits.Start(() =>
        {
            handle.Registry.RemoveFromAnyThread(gone);
            handle.Registry.RemoveFromAnyThread(freeSlot);
            handle.Registry.RemoveFromAnyThread(live);
        });
        Waits.Join(thread, "the removing thread ended");
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);

        Assert.That(handle.GetSources(), Is.EqualTo(new[] { new SourceInfo(reused, "reused", "TimerSource", true, null) }),
            "the live token's source is removed; the stale ones hit nothing, not even the source now in their slot");
    }

    [Test]
    public void ANameAndPolicyDoNotReachASourceInsertedAfterAFailedNamedInsertion()
    {
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        RegistrationToken first = InsertTimer(handle, "first");
        handle.SetErrorPolicy(first, ErrorPolicy.StopLoop);
        handle.Remove(first);

        var e = Assert.Throws<CalloopException>(() => handle.InsertSource(BadFd(), (_, ref _, ref _) => PostAction.Continue, "broken"));
        Assert.That(e!.Message, Does.StartWith("source 'broken': epoll_ctl(ADD)"));
        Assert.That(e.Errno, Is.EqualTo(9));
        Assert.That(handle.SourceCount, Is.Zero);

        RegistrationToken next = InsertTimer(handle);
        Assert.That(next.Slot, Is.EqualTo(first.Slot), "the failed insertion gave its slot back");
        Assert.That(handle.GetSources(), Is.EqualTo(new[] { new SourceInfo(next, null, "TimerSource", true, null) }));
    }

    [Test]
    public void TheSlotOfAFailedInsertionIsReused()
    {
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        Assert.Throws<CalloopException>(() => handle.InsertSource(BadFd(), (_, ref _, ref _) => PostAction.Continue));
        Assert.Throws<CalloopException>(() => handle.InsertSource(BadFd(), (_, ref _, ref _) => PostAction.Continue));
        RegistrationToken token = InsertTimer(handle);
        Assert.That(token.Slot, Is.Zero, "both failed insertions gave slot 0 back");
        Assert.That(handle.SourceCount, Is.EqualTo(1));
        handle.Remove(token);
        Assert.That(handle.SourceCount, Is.Zero);
    }

    [Test]
    public void TheDefaultTokenNamesNoSourceAfterSlotZeroIsReused()
    {
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        for (int i = 0; i < 3; i++)
        {
            RegistrationToken token = InsertTimer(handle);
            Assert.That(token.Slot, Is.Zero);
            Assert.That(token, Is.Not.EqualTo(default(RegistrationToken)));
            Assert.Throws<ArgumentException>(() => handle.Remove(default));
            Assert.Throws<ArgumentException>(() => handle.Disable(default));
            Assert.Throws<ArgumentException>(() => handle.SetErrorPolicy(default, ErrorPolicy.StopLoop));
            Assert.That(handle.GetSources()[0], Is.EqualTo(new SourceInfo(token, null, "TimerSource", true, null)));
            handle.Remove(token);
        }
    }
    private sealed class Calls
    {
        public int Count;
        public RegistrationToken Token;
    }

    [Test]
    public void DisableThenEnableInsideItsOwnCallbackLeavesTheSourceEnabled()
    {
        using var loop = new EventLoop<Calls>();
        LoopHandle<Calls> handle = loop.Handle;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        Fds.Write(peer, "x"u8);
        var calls = new Calls();
        calls.Token = handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), (_, ref _, ref c) =>
        {
            c.Count++;
            handle.Disable(c.Token);
            handle.Enable(c.Token);
            return PostAction.Continue;
        });
        loop.Dispatch(TimeSpan.Zero, ref calls);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls.Count, Is.EqualTo(2), "still registered: the level-triggered data is reported again");
        Assert.That(handle.GetSources()[0].Enabled, Is.True);
    }

    [Test]
    public void UpdateInsideItsOwnCallbackIsAppliedWhenItReturns()
    {
        using var loop = new EventLoop<Calls>();
        LoopHandle<Calls> handle = loop.Handle;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        Fds.Write(peer, "x"u8);
        var readiness = new List<Readiness>();
        Generic<OwnedFd> source = Generic.From(a, Interest.Readable, Mode.Level);
        var calls = new Calls();
        calls.Token = handle.InsertSource(source, (r, ref _, ref c) =>
        {
            readiness.Add(r);
            if (++c.Count == 1)
            {
                // From now on only writability, which a socket with room always has.
                source.Interest = Interest.Writable;
                handle.Update(c.Token);
                handle.Enable(c.Token);
            }
            return PostAction.Continue;
        });
        loop.Dispatch(TimeSpan.Zero, ref calls);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(readiness, Is.EqualTo(new[] { Readiness.Readable, Readiness.Writable }), "Enable did not cancel the pending update");
    }

    [Test]
    public void WhatTheSourceReturnsOverridesWhatItsCallbackAskedFor()
    {
        using var loop = new EventLoop<Calls>();
        LoopHandle<Calls> handle = loop.Handle;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        Fds.Write(peer, "x"u8);
        var calls = new Calls();
        calls.Token = handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), (_, ref _, ref c) =>
        {
            c.Count++;
            handle.Disable(c.Token);
            return PostAction.Remove;
        });
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That((calls.Count, handle.SourceCount), Is.EqualTo((1, 0)), "Remove, not the pending Disable");
        Assert.Throws<ArgumentException>(() => handle.Enable(calls.Token));
    }

    [Test]
    public void EnablingAnEnabledSourceAndUpdatingADisabledOneChangeNothing()
    {
        using var loop = new EventLoop<Calls>();
        LoopHandle<Calls> handle = loop.Handle;
        var (a, b) = Fds.SocketPair();
        using var peer = b;
        var calls = new Calls();
        RegistrationToken token = handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), (_, ref _, ref c) =>
        {
            c.Count++;
            return PostAction.Continue;
        });
        handle.Enable(token);
        handle.Update(token);
        Fds.Write(peer, "x"u8);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls.Count, Is.EqualTo(1));

        handle.Disable(token);
        handle.Disable(token);
        handle.Update(token);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls.Count, Is.EqualTo(1), "Update does not register a disabled source");
        Assert.That(handle.GetSources()[0].Enabled, Is.False);

        handle.Enable(token);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls.Count, Is.EqualTo(2));
    }

    [Test]
    public void ANameAndPolicyDoNotPassToTheNextSourceInTheSameSlot()
    {
        using var loop = new EventLoop<int>();
        LoopHandle<int> handle = loop.Handle;
        RegistrationToken first = handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop, "first");
        handle.SetErrorPolicy(first, ErrorPolicy.StopLoop);
        handle.SetErrorPolicy(first, null);
        Assert.That(handle.GetSources()[0].Name, Is.EqualTo("first"), "clearing the policy keeps the name");
        handle.SetErrorPolicy(first, ErrorPolicy.RemoveSource);
        handle.Remove(first);

        RegistrationToken second = handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);

        Assert.That(second.Slot, Is.EqualTo(first.Slot), "the slot was reused");
        SourceInfo info = handle.GetSources()[0];
        Assert.That((info.Name, info.ErrorPolicy), Is.EqualTo(((string?)null, (ErrorPolicy?)null)));
    }

    [Test]
    public void TheDefaultRegistrationTokenNamesNoSource()
    {
        using var loop = new EventLoop<int>();
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        Assert.Throws<ArgumentException>(() => loop.Handle.Remove(default));
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
    }
}
