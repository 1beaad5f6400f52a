using System.Linq;
using Calloop.Generators.Tests.Support;
using Microsoft.CodeAnalysis;

namespace Calloop.Generators.Tests;

/// <summary>
/// Less common declarations around handlers, sources and composites: each gets generated code that compiles without
/// an error or a warning, and the user code that uses it (an insertion method, a token) compiles with it.
/// </summary>
public class ShapeCompileTests
{
    private const string Usings = "using System;\nusing Calloop;\nusing Calloop.Sources;\n\nnamespace Sample;\n\n";

    private static void CompilesCleanly(string source)
    {
        GeneratorOutput output = GeneratorHarness.Run(Usings + source);
        Diagnostic[] problems = output.Compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(output.Run.Exception, Is.Null);
            Assert.That(output.Diagnostics, Is.Empty);
            Assert.That(output.Sources, Is.Not.Empty);
            Assert.That(problems, Is.Empty,
                string.Join("\n", problems.Select(p => p.ToString())) + "\n" + string.Join("\n", output.Sources.Select(s => s.Text)));
        });
    }

    [Test]
    public void APartialHandlerWithItsAttributeOnTheImplementation() => CompilesCleanly("""
        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            private partial TimeoutAction OnTick(Instant deadline);

            [OnEvent(nameof(_tick))]
            private partial TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;

            public static RegistrationToken Insert(App app, LoopHandle<App> handle) => app.InsertSources(handle).Tick;
        }
        """);

    [Test]
    public void AHandlerWithAnOverloadOfAsManyParameters() => CompilesCleanly("""
        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();
            public int Ticks;

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => OnTick(1);

            private TimeoutAction OnTick(int count)
            {
                Ticks += count;
                return TimeoutAction.Drop;
            }

            public static RegistrationToken Insert(App app, LoopHandle<App> handle) => app.InsertSources(handle).Tick;
        }
        """);

    [Test]
    public void ACompositeOverSourcesThatImplementSomeMembersExplicitly() => CompilesCleanly("""
        /// <summary>Only ProcessEvents is implemented explicitly.</summary>
        public sealed class QuietEvents : IEventSource<int, Unit, Unit>
        {
            public void Register(Poll poll, ref TokenFactory tokenFactory) { }
            public void Reregister(Poll poll, ref TokenFactory tokenFactory) { }
            public void Unregister(Poll poll) { }
            PostAction IEventSource<int, Unit, Unit>.ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
                => PostAction.Continue;
        }

        /// <summary>Only the registration methods (of the base interface) are implemented explicitly.</summary>
        public sealed class QuietRegistration : IEventSource<int, Unit, Unit>
        {
            void IEventSource.Register(Poll poll, ref TokenFactory tokenFactory) { }
            void IEventSource.Reregister(Poll poll, ref TokenFactory tokenFactory) { }
            void IEventSource.Unregister(Poll poll) { }
            public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
                where TCallback : IEventCallback<int, Unit, Unit>, allows ref struct => PostAction.Continue;
        }

        [EventSource]
        public sealed partial class Both : IEventSource<int, Unit, Unit>
        {
            private readonly QuietEvents _events = new();
            private readonly QuietRegistration _registration = new();

            [OnEvent(nameof(_events))]
            private void OnEvents(int value) { }

            [OnEvent(nameof(_registration))]
            private void OnRegistration(int value) { }
        }
        """);

    [Test]
    public void SharedDataNestedInAnInterface() => CompilesCleanly("""
        public partial interface IShell
        {
            public partial class App
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;

                public static RegistrationToken Insert(App app, LoopHandle<App> handle) => app.InsertSources(handle).Tick;
            }
        }
        """);

    [Test]
    public void SharedDataNestedInARefStruct() => CompilesCleanly("""
        public ref partial struct Frame
        {
            public partial class App
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;

                public static RegistrationToken Insert(App app, LoopHandle<App> handle) => app.InsertSources(handle).Tick;
            }
        }
        """);

    [Test]
    public void ARecordStructAsSharedData() => CompilesCleanly("""
        public partial record struct Ticker(TimerSource Tick)
        {
            [OnEvent(nameof(Tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;

            public static RegistrationToken Insert(Ticker ticker, LoopHandle<Ticker> handle) => ticker.InsertSources(handle).Tick;
        }
        """);

    [Test]
    public void AReadOnlyRecordStructAsSharedData() => CompilesCleanly("""
        public readonly partial record struct Ticker(TimerSource Tick)
        {
            [OnEvent(nameof(Tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;

            public static RegistrationToken Insert(Ticker ticker, LoopHandle<Ticker> handle) => ticker.InsertSources(handle).Tick;
        }
        """);

    [Test]
    public void CompositesWithATypeParameterNamedTCallback() => CompilesCleanly("""
        [EventSource]
        public sealed partial class Relay<TCallback> : IEventSource<int, Unit, Unit>
        {
            private readonly PingSource _ping = Ping.Create().Source;
            private Unit _none;

            [OnEvent(nameof(_ping))]
            private void OnPing<TEmit>(Unit ping, ref TEmit emit) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct
                => emit.Invoke(1, ref _none);
        }

        public partial class Host<TCallback>
        {
            [EventSource]
            public sealed partial class Inner : IEventSource<int, Unit, Unit>
            {
                private readonly PingSource _ping = Ping.Create().Source;
                private Unit _none;

                [OnEvent(nameof(_ping))]
                private void OnPing<TEmit>(Unit ping, ref TEmit emit) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct
                    => emit.Invoke(1, ref _none);
            }
        }
        """);
}
