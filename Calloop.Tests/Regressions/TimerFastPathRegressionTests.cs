using System;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Regressions;

/// <summary>Edge cases of the timer fast paths (stale-expiry check, side table of names), found in review.</summary>
public class TimerFastPathRegressionTests
{
    private sealed class Log
    {
        public int A;
        public int B;
    }

    [Test]
    public void ADueTimerFiresEvenWhenTheExpiryCounterHasWrappedToItsValue()
    {
        using var loop = new EventLoop<Log>();
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromMilliseconds(2)), (_, ref _, ref log) =>
        {
            log.A++;
            return TimeoutAction.Drop;
        });
        // As if 2^32 - 1 expiries had run since the timer was scheduled: the next one brings the counter back to the
        // value the timer recorded, which alone would make its (genuine) expiry look stale.
        loop.Handle.Registry.Poll.Timers.Generation--;
        var log = new Log();
        for (int i = 0; i < 100 && log.A == 0; i++)
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(50), ref log);
        }
        Assert.That(log.A, Is.EqualTo(1), "the timer fired");
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void AStaleExpiryLeftInTheBatchByAThrowingCallbackIsNotDelivered()
    {
        using var loop = new EventLoop<Log>();
        LoopHandle<Log> handle = loop.Handle;
        Instant due = Instant.Now + TimeSpan.FromMilliseconds(3);
        var b = TimerSource.FromDeadline(due);
        RegistrationToken tb = default;
        handle.InsertSource(TimerSource.FromDeadline(due), (_, ref _, ref log) =>
        {
            if (++log.A > 1)
            {
                // A timer whose callback threw stays scheduled and fires again: this time it is done.
                return TimeoutAction.Drop;
            }
            // Reschedules b an hour away (Disable + Enable re-registers it), then throws: b's expiry, taken in the same
            // wait, stays in the batch and is delivered by the next Dispatch, without a new wait.
            b.SetDeadline(Instant.Now + TimeSpan.FromHours(1));
            handle.Disable(tb);
            handle.Enable(tb);
            throw new InvalidOperationException("boom");
        });
        tb = handle.InsertSource(b, (_, ref _, ref log) =>
        {
            log.B++;
            return TimeoutAction.Drop;
        });
        var data = new Log();
        var thrown = Assert.Throws<InvalidOperationException>(() => Waits.DispatchUntil(loop, ref data, () => data.A > 0, "the first timer fired"));
        Assert.That(thrown!.Message, Is.EqualTo("boom"));
        loop.Dispatch(TimeSpan.Zero, ref data);
        loop.Dispatch(TimeSpan.FromMilliseconds(10), ref data);
        Assert.That(data.B, Is.Zero, "b was rescheduled an hour away; its earlier expiry is stale");
        Assert.That(loop.NextTimerDeadline, Is.Not.Null, "b is still scheduled");
    }

    [Test]
    public void ANameAndPolicyDoNotPassToTheNextSourceInTheSameSlot()
    {
        using var loop = new EventLoop<Log>();
        LoopHandle<Log> handle = loop.Handle;
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
}
