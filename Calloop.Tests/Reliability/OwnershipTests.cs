using System;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

/// <summary>A token acts only on the loop that issued it; a source is in at most one loop at a time.</summary>
public class OwnershipTests
{
    [Test]
    public void ATokenOfOneLoopIsRefusedByAnotherEvenWhenTheSlotMatches()
    {
        using var a = new EventLoop<int>();
        using var b = new EventLoop<int>();
        var (pingA, sourceA) = Ping.Create();
        var (pingB, sourceB) = Ping.Create();
        using var _a = pingA;
        using var _b = pingB;
        RegistrationToken tokenA = a.Handle.InsertSource(sourceA, (_, ref _, ref n) => n++);
        RegistrationToken tokenB = b.Handle.InsertSource(sourceB, (_, ref _, ref n) => n++);

        var e = Assert.Throws<ArgumentException>(() => b.Handle.Remove(tokenA));
        Assert.That(e!.Message, Does.Contain("another loop"));
        Assert.Throws<ArgumentException>(() => a.Handle.Disable(tokenB));
        Assert.Throws<ArgumentException>(() => a.Handle.Enable(tokenB));
        Assert.Throws<ArgumentException>(() => a.Handle.Update(tokenB));
        Assert.Throws<ArgumentException>(() => a.Handle.SetErrorPolicy(tokenB, ErrorPolicy.RemoveSource));

        // Both sources are untouched and still deliver.
        Assert.That(a.Handle.SourceCount, Is.EqualTo(1));
        Assert.That(b.Handle.SourceCount, Is.EqualTo(1));
        pingA.Send();
        pingB.Send();
        int na = 0, nb = 0;
        a.Dispatch(TimeSpan.Zero, ref na);
        b.Dispatch(TimeSpan.Zero, ref nb);
        Assert.That((na, nb), Is.EqualTo((1, 1)));
    }

    [Test]
    public void TokensFromGetSourcesAndTheDefaultTokenKeepTheirMeaning()
    {
        using var loop = new EventLoop<int>();
        RegistrationToken token = loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        Assert.That(loop.Handle.GetSources()[0].Token, Is.EqualTo(token));
        Assert.Throws<ArgumentException>(() => loop.Handle.Remove(default));
        loop.Handle.Remove(loop.Handle.GetSources()[0].Token);
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void APingSourceInsertedTwiceIsRefusedAndKeepsDeliveringToItsFirstLoop()
    {
        using var a = new EventLoop<int>();
        using var b = new EventLoop<int>();
        var (ping, source) = Ping.Create();
        using var _p = ping;
        a.Handle.InsertSource(source, (_, ref _, ref n) => n++);

        var again = Assert.Throws<InvalidOperationException>(() => a.Handle.InsertSource(source, (_, ref _, ref n) => n++));
        Assert.That(again!.Message, Does.Contain("PingSource").And.Contain("already in this loop"));
        var other = Assert.Throws<InvalidOperationException>(() => b.Handle.InsertSource(source, (_, ref _, ref n) => n++));
        Assert.That(other!.Message, Does.Contain("PingSource").And.Contain("another loop"));
        Assert.That(b.Handle.SourceCount, Is.Zero);

        ping.Send();
        int n = 0;
        a.Dispatch(TimeSpan.Zero, ref n);
        Assert.That(n, Is.EqualTo(1));
    }

    [Test]
    public void ATimerInsertedInTwoLoopsIsRefusedAndStillExpiresInTheFirst()
    {
        using var a = new EventLoop<int>();
        using var b = new EventLoop<int>();
        TimerSource timer = TimerSource.Immediate();
        a.Handle.InsertSource(timer, (_, ref _, ref n) =>
        {
            n++;
            return TimeoutAction.Drop;
        });
        Assert.Throws<InvalidOperationException>(() => b.Handle.InsertSource(timer, (_, ref _, ref _) => TimeoutAction.Drop));
        int fired = 0;
        a.Dispatch(TimeSpan.FromSeconds(5), ref fired);
        Assert.That(fired, Is.EqualTo(1));
    }

    [Test]
    public void AGenericInTwoLoopsIsRefusedSoOneLoopCannotCloseWhatTheOtherPolls()
    {
        var (read, write) = Fds.Pipe();
        using var _w = write;
        using var a = new EventLoop<int>();
        var generic = Generic.From(read, Interest.Readable, Mode.Level);
        a.Handle.InsertSource(generic, (_, ref r, ref n) =>
        {
            n += Fds.Drain(r);
            return PostAction.Continue;
        });
        using (var b = new EventLoop<int>())
        {
            Assert.Throws<InvalidOperationException>(() => b.Handle.InsertSource(generic, (_, ref _, ref _) => PostAction.Continue));
        }
        // Disposing b did not dispose the source a still polls.
        Fds.Write(write, "abc"u8);
        int n = 0;
        a.Dispatch(TimeSpan.FromSeconds(5), ref n);
        Assert.That(n, Is.EqualTo(3));
    }

    [Test]
    public void ACustomSourceInsertedTwiceIsRefused()
    {
        using var a = new EventLoop<int>();
        using var b = new EventLoop<int>();
        var source = new CountingSource();
        a.Handle.InsertSource(source, (_, ref _, ref _) => { });
        Assert.Throws<InvalidOperationException>(() => b.Handle.InsertSource(source, (_, ref _, ref _) => { }));
        Assert.That(source.Registrations, Is.EqualTo(1), "the refused insertion must not register the source again");
    }

    [Test]
    public void ARemovedSourceCanBeInsertedAgainWhenItSurvivesRemoval()
    {
        // A timer is not disposable: once removed it belongs to no loop and can go into another one.
        using var a = new EventLoop<int>();
        using var b = new EventLoop<int>();
        TimerSource timer = TimerSource.FromDuration(TimeSpan.FromHours(1));
        RegistrationToken token = a.Handle.InsertSource(timer, (_, ref _, ref _) => TimeoutAction.Drop);
        a.Handle.Remove(token);
        b.Handle.InsertSource(timer, (_, ref _, ref _) => TimeoutAction.Drop);
        Assert.That(b.Handle.SourceCount, Is.EqualTo(1));

        var custom = new CountingSource();
        RegistrationToken t2 = a.Handle.InsertSource(custom, (_, ref _, ref _) => { });
        a.Handle.Remove(t2);
        b.Handle.InsertSource(custom, (_, ref _, ref _) => { });
        Assert.That(custom.Registrations, Is.EqualTo(2));
    }

    [Test]
    public void ASourceWhoseRegistrationFailedBelongsToNoLoop()
    {
        using var loop = new EventLoop<int>();
        var source = new CountingSource { FailNext = true };
        Assert.Throws<CalloopException>(() => loop.Handle.InsertSource(source, (_, ref _, ref _) => { }));
        loop.Handle.InsertSource(source, (_, ref _, ref _) => { });
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
    }

    [Test]
    public void ADisposedLoopReleasesItsSources()
    {
        TimerSource timer = TimerSource.FromDuration(TimeSpan.FromHours(1));
        using (var a = new EventLoop<int>())
        {
            a.Handle.InsertSource(timer, (_, ref _, ref _) => TimeoutAction.Drop);
        }
        using var b = new EventLoop<int>();
        b.Handle.InsertSource(timer, (_, ref _, ref _) => TimeoutAction.Drop);
        Assert.That(b.Handle.SourceCount, Is.EqualTo(1));
    }

    [Test]
    public void ADisposedTransientSourceIsRefused()
    {
        using var loop = new EventLoop<int>();
        var transient = TransientSource.From(TimerSource.Immediate());
        transient.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loop.Handle.InsertSource(transient, (_, ref _, ref _) => TimeoutAction.Drop));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    /// <summary>A source with no descriptor that counts its registrations (and can fail one).</summary>
    private sealed class CountingSource : IEventSource<Unit, Unit, Unit>
    {
        public int Registrations { get; private set; }

        public bool FailNext { get; set; }

        public void Register(Poll poll, ref TokenFactory tokenFactory)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new CalloopException("CountingSource.Register failed on purpose.");
            }
            tokenFactory.NextToken();
            Registrations++;
        }

        public void Reregister(Poll poll, ref TokenFactory tokenFactory) => tokenFactory.NextToken();

        public void Unregister(Poll poll)
        {
        }

        public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
            where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct => PostAction.Continue;
    }
}
