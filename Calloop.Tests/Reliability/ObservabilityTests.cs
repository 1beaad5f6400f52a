using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

public class ObservabilityTests
{
    [Test]
    public void SourcesAreListedWithNameKindAndState()
    {
        using var loop = new EventLoop<int>();
        var (ping, source) = Ping.Create();
        using var _ = ping;
        RegistrationToken p = loop.Handle.InsertSource(source, (_, ref _, ref _) => { }, name: "wake");
        var (a, b) = Support.Fds.SocketPair();
        using var _b = b;
        RegistrationToken g = loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), (_, ref _, ref _) => PostAction.Continue);
        loop.Handle.Disable(g);

        IReadOnlyList<SourceInfo> sources = loop.Handle.GetSources();
        Assert.That(sources, Has.Count.EqualTo(2));
        Assert.That(sources[0], Is.EqualTo(new SourceInfo(p, "wake", "PingSource", true, null)));
        Assert.That(sources[1], Is.EqualTo(new SourceInfo(g, null, "Generic<OwnedFd>", false, null)));
    }

    [Test]
    public void ARegistrationFailureNamesTheSource()
    {
        using var loop = new EventLoop<int>();
        var e = Assert.Throws<CalloopException>(() => loop.Handle.InsertSource(
            Generic.From(new FileDescriptor(4321), Interest.Readable, Mode.Level), (_, ref _, ref _) => PostAction.Continue, name: "uplink"));
        Assert.That(e!.Message, Does.Contain("uplink").And.Contain("fd 4321").And.Contain("EBADF"));
        Assert.That(e.Errno, Is.EqualTo(9));
    }

    [Test]
    public void MetricsCountDispatchesEventsCallbackTimeAndTimerLag()
    {
        var totals = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Calloop")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        int thread = Environment.CurrentManagedThreadId;
        void Add(string name, double value)
        {
            // Only this test's thread: other tests may run loops concurrently.
            if (Environment.CurrentManagedThreadId == thread)
            {
                totals[name] = totals.GetValueOrDefault(name) + value;
            }
        }
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => Add(i.Name, v));
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => Add(i.Name + ".count", 1));
        listener.Start();

        using var loop = new EventLoop<int>();
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) => TimeoutAction.Drop);
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        loop.Dispatch(TimeSpan.Zero, ref data);

        Assert.That(totals["calloop.dispatches"], Is.EqualTo(2));
        Assert.That(totals["calloop.events"], Is.EqualTo(1));
        Assert.That(totals["calloop.callback.duration.count"], Is.EqualTo(1));
        Assert.That(totals["calloop.timer.lag.count"], Is.EqualTo(1));
    }
}
