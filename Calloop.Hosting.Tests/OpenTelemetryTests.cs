using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NUnit.Framework;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Calloop.Hosting.Tests;

public class OpenTelemetryTests
{
    [Test]
    public void TheOpenTelemetrySdkExportsTheLoopsMetricsWithItsTagsAndBuckets()
    {
        const int Timers = 1001;
        var exported = new List<Metric>();
        var console = new StringWriter();
        TextWriter stdout = Console.Out;
        Console.SetOut(console);
        try
        {
            // The setup docs/observability.md shows: the Calloop meter, a console exporter (and one the test reads).
            using MeterProvider provider = Sdk.CreateMeterProviderBuilder()
                .AddMeter("Calloop")
                .AddConsoleExporter()
                .AddInMemoryExporter(exported)
                .Build();

            using (var loop = new EventLoop<int>(new EventLoopOptions { Name = "otel" }))
            {
                for (int i = 0; i < Timers; i++)
                {
                    loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref n) =>
                    {
                        n++;
                        return TimeoutAction.Drop;
                    }, name: "tick");
                }
                int fired = 0;
                while (fired < Timers)
                {
                    loop.Dispatch(TimeSpan.FromSeconds(1), ref fired);
                }
            }
            provider.ForceFlush();

            Metric duration = exported.Last(m => m.Name == "calloop.callback.duration");
            Assert.That(duration.Unit, Is.EqualTo("s"));
            Assert.That(duration.MeterName, Is.EqualTo("Calloop"));
            bool found = false;
            foreach (ref readonly MetricPoint point in duration.GetMetricPoints())
            {
                var tags = new Dictionary<string, object?>();
                foreach (KeyValuePair<string, object?> tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value;
                }
                if (!Equals(tags.GetValueOrDefault("calloop.loop.name"), "otel"))
                {
                    continue;
                }
                found = true;
                Assert.That(tags["calloop.source.name"], Is.EqualTo("tick"));
                Assert.That(point.GetHistogramCount(), Is.EqualTo(Timers));
                var bounds = new List<double>();
                long counted = 0;
                foreach (HistogramBucket bucket in point.GetHistogramBuckets())
                {
                    bounds.Add(bucket.ExplicitBound);
                    counted += bucket.BucketCount;
                }
                Assert.That(bounds[0], Is.EqualTo(1e-6), "the SDK took the instrument's bucket advice, not its own 0, 5, 10, ... ms");
                Assert.That(bounds[^2], Is.EqualTo(5));
                Assert.That(bounds[^1], Is.EqualTo(double.PositiveInfinity));
                Assert.That(bounds, Has.Count.EqualTo(22));
                Assert.That(counted, Is.EqualTo(Timers));
            }
            Assert.That(found, Is.True, "a point tagged with the loop's name");
        }
        finally
        {
            Console.SetOut(stdout);
        }
        Assert.That(console.ToString(), Does.Contain("calloop.callback.duration").And.Contain("calloop.loop.name: otel"));
    }
}
