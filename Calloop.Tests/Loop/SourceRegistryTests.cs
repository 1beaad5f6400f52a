using System;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

/// <summary>What the registry tells users: source kinds, the operation a refused token names, and disposal failures.</summary>
public class SourceRegistryTests
{
    [Test]
    public void GetSourcesNamesEachKindAsCSharpSpellsIt()
    {
        using var loop = new EventLoop<int>();
        var (read, write) = Fds.Pipe();
        using var _w = write;
        var (ping, pingSource) = Ping.Create();
        using var _p = ping;
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        loop.Handle.InsertSource(Generic.From(read, Interest.Readable, Mode.Level), (_, ref _, ref _) => PostAction.Continue, name: "pipe");
        loop.Handle.InsertSource(pingSource, (_, ref _, ref _) => { });
        var sources = loop.Handle.GetSources();
        Assert.That(sources, Has.Count.EqualTo(3));
        Assert.That(sources[0].Kind, Is.EqualTo("TimerSource"));
        Assert.That(sources[1].Kind, Is.EqualTo("Generic<OwnedFd>"));
        Assert.That(sources[1].Name, Is.EqualTo("pipe"));
        Assert.That(sources[2].Kind, Is.EqualTo("PingSource"));
    }

    [TestCase("Remove")]
    [TestCase("Enable")]
    [TestCase("Disable")]
    [TestCase("Update")]
    [TestCase("SetErrorPolicy")]
    public void AStaleTokenIsRefusedWithTheOperationItWasUsedFor(string operation)
    {
        using var loop = new EventLoop<int>();
        RegistrationToken token = loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        loop.Handle.Remove(token);
        Action act = operation switch
        {
            "Remove" => () => loop.Handle.Remove(token),
            "Enable" => () => loop.Handle.Enable(token),
            "Disable" => () => loop.Handle.Disable(token),
            "Update" => () => loop.Handle.Update(token),
            _ => () => loop.Handle.SetErrorPolicy(token, ErrorPolicy.RemoveSource),
        };
        var e = Assert.Throws<ArgumentException>(() => act());
        Assert.That(e!.Message, Does.StartWith($"LoopHandle.{operation}: ").And.Contain("is stale"));
        Assert.That(e.ParamName, Is.EqualTo("token"));
    }

    [Test]
    public void NullSourcesAndCallbacksAreRefusedByName()
    {
        using var loop = new EventLoop<int>();
        var e1 = Assert.Throws<ArgumentNullException>(() => loop.Handle.InsertSource<Instant, Unit, TimeoutAction>(null!, (_, ref _, ref _) => TimeoutAction.Drop));
        Assert.That(e1!.ParamName, Is.EqualTo("source"));
        var e2 = Assert.Throws<ArgumentNullException>(() => loop.Handle.InsertSource(TimerSource.Immediate(), (EventCallback<Instant, Unit, int, TimeoutAction>)null!));
        Assert.That(e2!.ParamName, Is.EqualTo("callback"));
        Assert.Throws<ArgumentNullException>(() => loop.Handle.InsertIdle(null!));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void SourcesThatFailToDisposeAreReportedTogetherWhenTheLoopIsDisposedAndTheRestAreStillDisposed()
    {
        var loop = new EventLoop<int>();
        var first = new FailingDisposal();
        var second = new FailingDisposal();
        var fine = new FailingDisposal { Fails = false };
        loop.Handle.InsertSource(first, (_, ref _, ref _) => { });
        loop.Handle.InsertSource(fine, (_, ref _, ref _) => { });
        loop.Handle.InsertSource(second, (_, ref _, ref _) => { });
        var e = Assert.Throws<AggregateException>(() => loop.Dispose());
        Assert.That(e!.InnerExceptions, Has.Count.EqualTo(2));
        Assert.That((first.Disposed, fine.Disposed, second.Disposed), Is.EqualTo((true, true, true)));
        loop.Dispose(); // harmless when repeated
    }

    private sealed class FailingDisposal : IEventSource<Unit, Unit, Unit>, IDisposable
    {
        public bool Fails { get; init; } = true;

        public bool Disposed { get; private set; }

        public void Register(Poll poll, ref TokenFactory tokenFactory) => tokenFactory.NextToken();

        public void Reregister(Poll poll, ref TokenFactory tokenFactory) => tokenFactory.NextToken();

        public void Unregister(Poll poll)
        {
        }

        public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
            where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct => PostAction.Continue;

        public void Dispose()
        {
            Disposed = true;
            if (Fails)
            {
                throw new InvalidOperationException("disposal failed on purpose");
            }
        }
    }
}
