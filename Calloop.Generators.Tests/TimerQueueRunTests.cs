using System.Reflection;
using Calloop.Generators.Tests.Support;

namespace Calloop.Generators.Tests;

/// <summary>
/// A <c>TimerQueue&lt;T&gt;</c> field with an <c>[OnEvent]</c> handler, on the loop's shared data and in an
/// <c>[EventSource]</c> composite: the generator treats it as any source (event = payload, metadata = <c>FiredTimer</c>,
/// return = <c>TimeoutAction</c>); compiled against the real runtime and run.
/// </summary>
public class TimerQueueRunTests
{
    private const string Code = """
        using System;
        using System.Collections.Generic;
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        public sealed partial class Server
        {
            private readonly TimerQueue<int> _timeouts = new();
            public readonly List<int> Closed = [];

            public TimerQueueHandle Open(int connection, TimeSpan idle) => _timeouts.Add(idle, connection);

            public bool Touch(TimerQueueHandle handle) => _timeouts.Reschedule(handle, TimeSpan.Zero);

            [OnEvent(nameof(_timeouts))]
            private TimeoutAction OnTimeout(int connection, ref FiredTimer timer)
            {
                Closed.Add(connection);
                return TimeoutAction.Drop;
            }
        }

        /// <summary>A composite holding a queue: raises each payload times ten.</summary>
        [EventSource]
        public sealed partial class Retries : IEventSource<int, Unit, Unit>
        {
            public readonly TimerQueue<int> Queue = new();
            private Unit _none;
            private int _attempts;

            [OnEvent(nameof(Queue))]
            private TimeoutAction OnRetry<TEmit>(int job, ref TEmit emit) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct
            {
                _attempts++;
                emit.Invoke(job * 10 * _attempts, ref _none);
                return _attempts < 3 ? TimeoutAction.ToDuration(TimeSpan.Zero) : TimeoutAction.Drop;
            }
        }

        public static class Entry
        {
            public static int[] Run()
            {
                var server = new Server();
                using var loop = new EventLoop<Server>();
                server.InsertSources(loop.Handle);
                server.Open(1, TimeSpan.FromHours(1));
                TimerQueueHandle two = server.Open(2, TimeSpan.FromHours(1));
                server.Open(3, TimeSpan.Zero);
                server.Touch(two);
                for (int i = 0; i < 3; i++)
                {
                    loop.Dispatch(TimeSpan.Zero, ref server);
                }

                using var composite = new EventLoop<List<int>>();
                var retries = new Retries();
                retries.Queue.Add(TimeSpan.Zero, 1);
                composite.Handle.InsertSource(retries, (value, ref _, ref seen) => seen.Add(value));
                var seen = new List<int>();
                for (int i = 0; i < 5; i++)
                {
                    composite.Dispatch(TimeSpan.Zero, ref seen);
                }
                // The retry re-arms its timer (same handle) until the third attempt.
                return [.. server.Closed, -1, .. seen];
            }
        }
        """;

    [Test]
    public void ATimerQueueFieldDispatchesToItsHandlerOnTheDataAndInAComposite()
    {
        GeneratorOutput output = GeneratorHarness.Run(Code);
        Assembly assembly = GeneratorHarness.Load(output);
        var result = (int[])GeneratorHarness.Call(assembly, "Sample.Entry", "Run")!;
        Assert.That(result, Is.EqualTo(new[] { 3, 2, -1, 10, 20, 30 }),
            "3 was due, 2 was moved to now (in insertion order of the due ones: 3 first, then 2 rescheduled after it); 1 waits an hour; the composite raised each retry");
    }
}
