using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

public class MetricsTests
{
    /// <summary>A meter factory of the test's own: its meters are told apart from other tests' by their scope.</summary>
    private sealed class MeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            options.Scope = this;
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (Meter meter in _meters)
            {
                meter.Dispose();
            }
        }
    }

    private sealed record Measurement(string Instrument, double Value, Dictionary<string, object?> Tags);

    private static MeterListener Listen(MeterFactory factory, List<Measurement> seen, List<Instrument> instruments)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory)
                {
                    instruments.Add(instrument);
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => seen.Add(new Measurement(i.Name, v, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => seen.Add(new Measurement(i.Name, v, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.Start();
        return listener;
    }

    [Test]
    public void ALoopWithAMeterFactoryMeasuresOnItsOwnMeterWithItsNameAndItsSourcesNames()
    {
        using var factory = new MeterFactory();
        var seen = new List<Measurement>();
        var instruments = new List<Instrument>();
        using var loop = new EventLoop<int>(new EventLoopOptions { Name = "main", MeterFactory = factory });
        using MeterListener listener = Listen(factory, seen, instruments);
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) => TimeoutAction.Drop, name: "tick");
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) => TimeoutAction.Drop);
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);

        Assert.That(instruments.Select(i => $"{i.Meter.Name} {i.Name} {i.Unit}"), Is.EquivalentTo(new[]
        {
            "Calloop calloop.dispatches {dispatch}", "Calloop calloop.events {event}",
            "Calloop calloop.callback.duration s", "Calloop calloop.timer.lag s",
        }));
        Assert.That(seen.Select(m => m.Instrument), Is.EquivalentTo(new[]
        {
            "calloop.timer.lag", "calloop.timer.lag", "calloop.callback.duration", "calloop.callback.duration", "calloop.events", "calloop.dispatches",
        }));
        Assert.That(seen.All(m => Equals(m.Tags["calloop.loop.name"], "main")), Is.True, "every measurement carries the loop's name");
        Assert.That(seen.Single(m => m.Instrument == "calloop.events").Value, Is.EqualTo(2));
        var durations = seen.Where(m => m.Instrument == "calloop.callback.duration").ToArray();
        Assert.That(durations[0].Tags["calloop.source.name"], Is.EqualTo("tick"), "a named source is a tag, even a timer that dropped itself");
        Assert.That(durations[1].Tags.ContainsKey("calloop.source.name"), Is.False, "an unnamed source adds no tag");
        Assert.That(durations.All(d => d.Value is > 0 and < 5), Is.True);
    }

    [Test]
    public void TheHistogramsAdviseBucketsFromAMicrosecondToFiveSeconds()
    {
        using var factory = new MeterFactory();
        var instruments = new List<Instrument>();
        using var loop = new EventLoop<int>(new EventLoopOptions { MeterFactory = factory });
        using MeterListener listener = Listen(factory, [], instruments);
        foreach (string name in new[] { "calloop.callback.duration", "calloop.timer.lag" })
        {
            var histogram = (Histogram<double>)instruments.Single(i => i.Name == name);
            IReadOnlyList<double> buckets = histogram.Advice!.HistogramBucketBoundaries!;
            Assert.That(buckets[0], Is.EqualTo(1e-6), name);
            Assert.That(buckets[^1], Is.EqualTo(5), name);
            Assert.That(buckets, Is.Ordered.Ascending, name);
            Assert.That(buckets.Count(b => b < 0.001), Is.EqualTo(9), $"{name}: sub-millisecond callbacks are told apart");
        }
    }

    [Test]
    public void RecordingWithTagsAndAListenerAllocatesNothing()
    {
        using var factory = new MeterFactory();
        long measurements = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => measurements++);
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => measurements++);
        listener.Start();
        using var loop = new EventLoop<int>(new EventLoopOptions { Name = "main", MeterFactory = factory });
        var (ping, source) = Ping.Create();
        using var _p = ping;
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++, name: "wake");
        int data = 0;
        long bytes = Alloc.Measure(1000, () =>
        {
            ping.Send();
            loop.Dispatch(TimeSpan.Zero, ref data);
        });
        Assert.That(bytes, Is.Zero);
        Assert.That(measurements, Is.EqualTo(3L * Alloc.LastRuns), "a dispatch, its events and one callback duration each time");
    }
}
