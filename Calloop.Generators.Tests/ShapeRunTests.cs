using System.Reflection;
using Calloop.Generators.Tests.Support;

namespace Calloop.Generators.Tests;

/// <summary>Less common shapes, compiled and run: struct shared data, records, one method for several sources.</summary>
public class ShapeRunTests
{
    private const string Shapes = """
        using System;
        using Calloop;

        namespace Sample;

        /// <summary>A struct as the loop's data: handlers mutate the caller's variable through the loop's ref.</summary>
        public partial struct Counter
        {
            private readonly PingSource _first;
            private readonly PingSource _second;
            public Ping First;
            public Ping Second;
            public int Count;
            public int ViaData;

            public Counter()
            {
                (First, _first) = Ping.Create();
                (Second, _second) = Ping.Create();
            }

            // One method for two sources.
            [OnEvent(nameof(_first))]
            [OnEvent(nameof(_second))]
            private void OnPing(Unit _, ref Unit metadata, ref Counter data)
            {
                Count++;
                data.ViaData++;
            }
        }

        /// <summary>A record with a primary-constructor property holding the source.</summary>
        public sealed partial record Holder(TimerSource Tick)
        {
            public int Fired;

            [OnEvent(nameof(Tick))]
            private TimeoutAction OnTick(Instant deadline)
            {
                Fired++;
                return TimeoutAction.Drop;
            }
        }

        public static class Entry
        {
            public static int[] Run()
            {
                var counter = new Counter();
                using (var loop = new EventLoop<Counter>())
                {
                    counter.InsertSources(loop.Handle);
                    counter.First.Send();
                    counter.Second.Send();
                    loop.Dispatch(TimeSpan.FromSeconds(5), ref counter);
                    if (counter.Count < 2)
                    {
                        loop.Dispatch(TimeSpan.FromSeconds(5), ref counter);
                    }
                }
                counter.First.Dispose();
                counter.Second.Dispose();

                var holder = new Holder(TimerSource.Immediate());
                using (var loop = new EventLoop<Holder>())
                {
                    holder.InsertSources(loop.Handle);
                    loop.Dispatch(TimeSpan.FromSeconds(5), ref holder);
                }
                return [counter.Count, counter.ViaData, holder.Fired];
            }
        }
        """;

    [Test]
    public void StructDataRecordsAndSharedHandlersRun()
    {
        Assembly assembly = GeneratorHarness.Load(GeneratorHarness.Run(Shapes));
        var result = (int[])GeneratorHarness.Call(assembly, "Sample.Entry", "Run")!;
        Assert.Multiple(() =>
        {
            Assert.That(result[0], Is.EqualTo(2), "one handler for two pings");
            Assert.That(result[1], Is.EqualTo(2), "ref data is the caller's struct");
            Assert.That(result[2], Is.EqualTo(1), "record handler");
        });
    }
}
