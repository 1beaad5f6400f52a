using System.Reflection;
using Calloop.Generators.Tests.Support;

namespace Calloop.Generators.Tests;

/// <summary>Generated composite sources, compiled against the real runtime and run in a loop.</summary>
public class CompositeRunTests
{
    private const string Composites = """
        using System;
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        /// <summary>Two pings: raises 1 for the first, 10 for the second.</summary>
        [EventSource]
        public sealed partial class PingPair : IEventSource<int, Unit, Unit>
        {
            private readonly PingSource _first;
            private readonly PingSource _second;
            private Unit _none;
            public readonly Ping First;
            public readonly Ping Second;

            public PingPair()
            {
                (First, _first) = Ping.Create();
                (Second, _second) = Ping.Create();
            }

            [OnEvent(nameof(_first))]
            private void OnFirst<TEmit>(Unit _, ref TEmit emit) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct
                => emit.Invoke(1, ref _none);

            [OnEvent(nameof(_second))]
            private void OnSecond<TEmit>(Unit _, ref Unit metadata, ref TEmit emit) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct
                => emit.Invoke(10, ref _none);
        }

        /// <summary>A composite holding a composite and a timer that fires three times: raises what the pair raises, and 100 per tick.</summary>
        [EventSource]
        public sealed partial class Outer : IEventSource<int, string, Unit>
        {
            public readonly PingPair Pair = new();
            private readonly TimerSource _timer = TimerSource.Immediate();
            private string _name = "outer";
            public int Ticks;

            [OnEvent(nameof(Pair))]
            private void OnPair<TEmit>(int value, ref TEmit emit) where TEmit : IEventCallback<int, string, Unit>, allows ref struct
                => emit.Invoke(value, ref _name);

            [OnEvent(nameof(_timer))]
            private TimeoutAction OnTimer<TEmit>(Instant deadline, ref Unit metadata, ref TEmit emit) where TEmit : IEventCallback<int, string, Unit>, allows ref struct
            {
                Ticks++;
                emit.Invoke(100, ref _name);
                return Ticks < 3 ? TimeoutAction.ToDuration(TimeSpan.Zero) : TimeoutAction.Drop;
            }
        }

        public static class Entry
        {
            public static int[] Run()
            {
                int fdsBefore = System.IO.Directory.GetFiles("/proc/self/fd").Length;
                int[] result = RunLoop();
                int fdsAfter = System.IO.Directory.GetFiles("/proc/self/fd").Length;
                return [.. result, fdsAfter - fdsBefore];
            }

            private static int[] RunLoop()
            {
                using var loop = new EventLoop<int>();
                var outer = new Outer();
                string seen = "";
                loop.Handle.InsertSource(outer, (value, ref name, ref sum) => { sum += value; seen = name; });
                int sum = 0;
                for (int i = 0; i < 5; i++)
                {
                    loop.Dispatch(TimeSpan.Zero, ref sum);
                }
                int afterTimer = sum;
                outer.Pair.First.Send();
                loop.Dispatch(TimeSpan.FromSeconds(5), ref sum);
                int afterFirst = sum;
                outer.Pair.Second.Send();
                loop.Dispatch(TimeSpan.FromSeconds(5), ref sum);
                int afterSecond = sum;
                outer.Pair.First.Send();
                outer.Pair.Second.Send();
                loop.Dispatch(TimeSpan.FromSeconds(5), ref sum);
                int afterBoth = sum;
                int sources = loop.Handle.SourceCount;
                // The Ping ends belong to the test; the pair's sources are disposed with the loop.
                outer.Pair.First.Dispose();
                outer.Pair.Second.Dispose();
                return [afterTimer, afterFirst, afterSecond, afterBoth, outer.Ticks, sources, seen == "outer" ? 1 : 0];
            }

            public static long Allocations()
            {
                using var loop = new EventLoop<int>();
                var pair = new PingPair();
                loop.Handle.InsertSource(pair, (value, ref _, ref sum) => sum += value);
                int sum = 0;
                for (int i = 0; i < 1000; i++)
                {
                    pair.First.Send();
                    pair.Second.Send();
                    loop.Dispatch(TimeSpan.Zero, ref sum);
                }
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 1000; i++)
                {
                    pair.First.Send();
                    pair.Second.Send();
                    loop.Dispatch(TimeSpan.Zero, ref sum);
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (sum != 2000 * 11)
                {
                    throw new InvalidOperationException($"sum {sum}, {2000 * 11} expected.");
                }
                pair.First.Dispose();
                pair.Second.Dispose();
                return allocated;
            }
        }
        """;

    [Test]
    public void NestedCompositesRouteEveryEventToItsHandlerAndOut()
    {
        Assembly assembly = GeneratorHarness.Load(GeneratorHarness.Run(Composites));
        var result = (int[])GeneratorHarness.Call(assembly, "Sample.Entry", "Run")!;
        Assert.Multiple(() =>
        {
            Assert.That(result[0], Is.EqualTo(300), "three ticks");
            Assert.That(result[1], Is.EqualTo(301), "first ping");
            Assert.That(result[2], Is.EqualTo(311), "second ping");
            Assert.That(result[3], Is.EqualTo(322), "both pings");
            Assert.That(result[4], Is.EqualTo(3), "ticks: the dropped timer is not re-armed by the composite's re-registration");
            Assert.That(result[5], Is.EqualTo(1), "the composite stays in the loop");
            Assert.That(result[6], Is.EqualTo(1), "the handler's metadata reached the callback");
            Assert.That(result[7], Is.Zero, "descriptors leaked: the loop disposes the composite, which disposes the nested one");
        });
    }

    [Test]
    public void CompositeDispatchAllocatesNothingPerEvent()
    {
        Assembly assembly = GeneratorHarness.Load(GeneratorHarness.Run(Composites));
        var allocated = (long)GeneratorHarness.Call(assembly, "Sample.Entry", "Allocations")!;
        Assert.That(allocated, Is.Zero);
    }
}
