using System;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

/// <summary>What a timer callback returns: equality, the next deadline it asks for, and how it reads.</summary>
public class TimeoutActionTests
{
    [Test]
    public void DropIsTheDefaultAndSchedulesNothing()
    {
        Assert.That(default(TimeoutAction), Is.EqualTo(TimeoutAction.Drop));
        Assert.That(TimeoutAction.Drop.IsDrop, Is.True);
        Assert.That(TimeoutAction.Drop.NextDeadline(Instant.Now), Is.Null);
        Assert.That(TimeoutAction.Drop.ToString(), Is.EqualTo("Drop"));
    }

    [Test]
    public void ToInstantAndToDurationAskForTheirDeadline()
    {
        Instant now = Instant.Now;
        Instant at = now + TimeSpan.FromSeconds(3);
        Assert.That(TimeoutAction.ToInstant(at).NextDeadline(now), Is.EqualTo(at));
        Assert.That(TimeoutAction.ToDuration(TimeSpan.FromSeconds(2)).NextDeadline(now), Is.EqualTo(now + TimeSpan.FromSeconds(2)));
        Assert.That(TimeoutAction.ToInstant(at).IsDrop || TimeoutAction.ToDuration(TimeSpan.Zero).IsDrop, Is.False);
        Assert.That(TimeoutAction.ToDuration(TimeSpan.FromMilliseconds(5)).ToString(), Is.EqualTo($"ToDuration({TimeSpan.FromMilliseconds(5)})"));
        Assert.That(TimeoutAction.ToInstant(at).ToString(), Is.EqualTo($"ToInstant({at})"));
    }

    [Test]
    public void EqualityComparesKindAndValue()
    {
        Instant at = Instant.Now;
        Assert.That(TimeoutAction.ToInstant(at) == TimeoutAction.ToInstant(at), Is.True);
        Assert.That(TimeoutAction.ToInstant(at) != TimeoutAction.ToInstant(at + TimeSpan.FromTicks(1)), Is.True);
        Assert.That(TimeoutAction.ToDuration(TimeSpan.FromSeconds(1)), Is.Not.EqualTo(TimeoutAction.ToInstant(at)));
        Assert.That(TimeoutAction.ToDuration(TimeSpan.Zero), Is.Not.EqualTo(TimeoutAction.Drop), "a zero duration re-arms; it is not Drop");
        TimeoutAction a = TimeoutAction.ToDuration(TimeSpan.FromSeconds(1)), b = TimeoutAction.ToDuration(TimeSpan.FromMilliseconds(1000));
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()), "equal actions hash alike");
        Assert.That(TimeoutAction.Drop.Equals((object)TimeoutAction.Drop), Is.True);
        Assert.That(TimeoutAction.Drop.Equals("Drop"), Is.False);
    }

    [Test]
    public void AToInstantInThePastFiresAtTheNextDispatchAndNeverEarly()
    {
        using var loop = new EventLoop<int>();
        Instant first = Instant.Now;
        int fired = 0;
        loop.Handle.InsertSource(TimerSource.FromDeadline(first), (deadline, ref _, ref n) =>
        {
            n++;
            Assert.That(Instant.Now, Is.GreaterThanOrEqualTo(deadline), "never early");
            return n == 1 ? TimeoutAction.ToInstant(first - TimeSpan.FromSeconds(1)) : TimeoutAction.Drop;
        });
        for (int i = 0; i < 10 && fired < 2; i++)
        {
            loop.Dispatch(TimeSpan.FromSeconds(1), ref fired);
        }
        Assert.That(fired, Is.EqualTo(2));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }
}
