using System.Reflection;
using Calloop.Generators.Tests.Support;

namespace Calloop.Generators.Tests;

/// <summary>Generated composites: lifecycle hooks and inner sources that disable themselves.</summary>
public class CompositeBehaviourTests
{
    private const string Sources = """
        using System;
        using System.IO.Pipes;
        using System.Runtime.InteropServices;
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        /// <summary>A source that only produces synthetic events from BeforeSleep, when asked to.</summary>
        public sealed class Synthetic : IEventSource<int, Unit, Unit>
        {
            private Token _token;
            public int Pending;
            public int HandleEventsCalls;

            public bool NeedsLifecycleEvents => true;

            public PollEvent? BeforeSleep() => Pending > 0 ? new PollEvent(Readiness.Readable, _token) : null;

            public void BeforeHandleEvents(EventIterator events) => HandleEventsCalls++;

            public void Register(Poll poll, ref TokenFactory tokenFactory) => _token = tokenFactory.NextToken();

            public void Reregister(Poll poll, ref TokenFactory tokenFactory) => _token = tokenFactory.NextToken();

            public void Unregister(Poll poll) { }

            public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
                where TCallback : IEventCallback<int, Unit, Unit>, allows ref struct
            {
                if (token != _token || Pending == 0)
                {
                    return PostAction.Continue;
                }
                Unit none = default;
                callback.Invoke(Pending--, ref none);
                return PostAction.Continue;
            }
        }

        [EventSource]
        public sealed partial class WithHooks : IEventSource<int, Unit, Unit>
        {
            public readonly PingSource Idle = Ping.Create().Source;
            public readonly Synthetic Inner = new();
            private Unit _none;

            [OnEvent(nameof(Idle))]
            private void OnIdle(Unit _) { }

            [OnEvent(nameof(Inner))]
            private void OnInner<TEmit>(int value, ref TEmit emit) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct
                => emit.Invoke(value, ref _none);
        }

        /// <summary>A pipe that disables itself after each read, and a ping.</summary>
        [EventSource]
        public sealed partial class PipeAndPing : IEventSource<string, Unit, Unit>
        {
            public readonly Generic<SafeHandle> Pipe;
            public readonly PingSource PingSource;
            public readonly Ping Ping;
            private Unit _none;

            public PipeAndPing(SafeHandle readEnd)
            {
                Pipe = Generic.From(readEnd, Interest.Readable, Mode.Level, leaveOpen: true);
                (Ping, PingSource) = Ping.Create();
            }

            [OnEvent(nameof(Pipe))]
            private PostAction OnPipe<TEmit>(Readiness readiness, ref TEmit emit) where TEmit : IEventCallback<string, Unit, Unit>, allows ref struct
            {
                emit.Invoke("pipe", ref _none);
                return PostAction.Disable;
            }

            [OnEvent(nameof(PingSource))]
            private void OnPing<TEmit>(Unit _, ref TEmit emit) where TEmit : IEventCallback<string, Unit, Unit>, allows ref struct
                => emit.Invoke("ping", ref _none);
        }

        /// <summary>A source with a token but no events of its own: any event it is handed was meant for another.</summary>
        public sealed class Probe : IEventSource<string, Unit, Unit>
        {
            private Token _token;

            public void Register(Poll poll, ref TokenFactory tokenFactory) => _token = tokenFactory.NextToken();

            public void Reregister(Poll poll, ref TokenFactory tokenFactory) => _token = tokenFactory.NextToken();

            public void Unregister(Poll poll) { }

            public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
                where TCallback : IEventCallback<string, Unit, Unit>, allows ref struct
            {
                if (token == _token)
                {
                    Unit none = default;
                    callback.Invoke("probe", ref none);
                }
                return PostAction.Continue;
            }
        }

        /// <summary>Two timers due together, the first dropping itself, and a probe after them.</summary>
        [EventSource]
        public sealed partial class TwoTimersAndAProbe : IEventSource<string, Unit, Unit>
        {
            public readonly TimerSource A;
            public readonly TimerSource B;
            public readonly Probe P = new();
            private Unit _none;

            public TwoTimersAndAProbe(Instant at) => (A, B) = (TimerSource.FromDeadline(at), TimerSource.FromDeadline(at));

            [OnEvent(nameof(A))]
            private TimeoutAction OnA<TEmit>(Instant d, ref TEmit emit) where TEmit : IEventCallback<string, Unit, Unit>, allows ref struct
            {
                emit.Invoke("a", ref _none);
                return TimeoutAction.Drop;
            }

            [OnEvent(nameof(B))]
            private TimeoutAction OnB<TEmit>(Instant d, ref TEmit emit) where TEmit : IEventCallback<string, Unit, Unit>, allows ref struct
            {
                emit.Invoke("b", ref _none);
                return TimeoutAction.Drop;
            }

            [OnEvent(nameof(P))]
            private void OnProbe<TEmit>(string name, ref TEmit emit) where TEmit : IEventCallback<string, Unit, Unit>, allows ref struct
                => emit.Invoke(name, ref _none);
        }

        public static class Entry
        {
            public static string SubIds()
            {
                using var loop = new EventLoop<string>();
                var composite = new TwoTimersAndAProbe(Instant.Now + TimeSpan.FromMilliseconds(20));
                loop.Handle.InsertSource(composite, (name, ref _, ref log) => log += name + ";");
                string log = "";
                for (int i = 0; i < 5 && !log.Contains("b;"); i++)
                {
                    loop.Dispatch(TimeSpan.FromSeconds(5), ref log);
                }
                return log;
            }

            public static int[] Hooks()
            {
                using var loop = new EventLoop<int>();
                var composite = new WithHooks();
                loop.Handle.InsertSource(composite, (value, ref _, ref sum) => sum += value);
                int sum = 0;
                loop.Dispatch(TimeSpan.Zero, ref sum);
                int calls = composite.Inner.HandleEventsCalls;
                composite.Inner.Pending = 3;
                // Synthetic events make the wait zero: three dispatches, none blocking, deliver 3 + 2 + 1.
                loop.Dispatch(null, ref sum);
                loop.Dispatch(null, ref sum);
                loop.Dispatch(null, ref sum);
                return [calls, composite.Inner.HandleEventsCalls, sum];
            }

            public static string Disable()
            {
                using var server = new AnonymousPipeServerStream(PipeDirection.In);
                using var client = new AnonymousPipeClientStream(PipeDirection.Out, server.ClientSafePipeHandle);
                using var loop = new EventLoop<string>();
                var composite = new PipeAndPing(server.SafePipeHandle);
                RegistrationToken token = loop.Handle.InsertSource(composite, (name, ref _, ref log) => log += name + ";");
                string log = "";
                client.WriteByte(1);
                client.Flush();
                loop.Dispatch(TimeSpan.FromSeconds(5), ref log);   // pipe (then it disables itself; the byte stays unread)
                log += "|";
                loop.Dispatch(TimeSpan.Zero, ref log);             // level-triggered, but disabled: nothing
                log += "|";
                composite.Ping.Send();
                loop.Dispatch(TimeSpan.FromSeconds(5), ref log);   // ping still works
                log += "|";
                loop.Handle.Disable(token);
                loop.Handle.Enable(token);                         // registers the composite again: the pipe comes back
                loop.Dispatch(TimeSpan.FromSeconds(5), ref log);
                composite.Ping.Dispose();
                return log;
            }
        }
        """;

    private static Assembly Load() => GeneratorHarness.Load(GeneratorHarness.Run(Sources));

    [Test]
    public void LifecycleHooksAndSyntheticEventsReachInnerSources()
    {
        var result = (int[])GeneratorHarness.Call(Load(), "Sample.Entry", "Hooks")!;
        Assert.Multiple(() =>
        {
            Assert.That(result[0], Is.EqualTo(1), "BeforeHandleEvents forwarded on the first dispatch");
            Assert.That(result[1], Is.EqualTo(4), "BeforeHandleEvents forwarded on every dispatch");
            Assert.That(result[2], Is.EqualTo(6), "synthetic events from BeforeSleep delivered through the composite");
        });
    }

    [Test]
    public void InnerSourcesKeepTheirSubIdsWhenAnEarlierOneRemovesItself()
    {
        // A and B expire in one batch; A's Drop makes the composite re-register. B's queued expiry must still reach B,
        // not the probe that would take B's sub-id if A's were not skipped.
        var log = (string)GeneratorHarness.Call(Load(), "Sample.Entry", "SubIds")!;
        Assert.That(log, Does.Not.Contain("probe"));
        Assert.That(log.Split(';', System.StringSplitOptions.RemoveEmptyEntries), Is.EquivalentTo(new[] { "a", "b" }));
    }

    [Test]
    public void AnInnerSourceThatDisablesItselfStaysOffUntilTheCompositeIsEnabledAgain()
    {
        var log = (string)GeneratorHarness.Call(Load(), "Sample.Entry", "Disable")!;
        Assert.That(log, Is.EqualTo("pipe;||ping;|pipe;"));
    }
}
