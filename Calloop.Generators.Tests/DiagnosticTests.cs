using System.Globalization;
using System.Linq;
using Calloop.Generators.Tests.Support;
using Microsoft.CodeAnalysis;

namespace Calloop.Generators.Tests;

/// <summary>One test per diagnostic: its ID, severity, the span it points at and the symbol its message names.</summary>
public class DiagnosticTests
{
    private const string Usings = "using System;\nusing Calloop;\nusing Calloop.Sources;\n";

    private static Diagnostic Single(string marked, string id, DiagnosticSeverity severity, params string[] named)
    {
        MarkedSource source = MarkedSource.Parse(Usings + marked);
        GeneratorOutput output = GeneratorHarness.Run(source.Text);
        Assert.That(output.Run.Exception, Is.Null);
        Diagnostic[] matching = output.Diagnostics.Where(d => d.Id == id).ToArray();
        Assert.That(matching, Has.Length.EqualTo(1), string.Join("\n", output.Diagnostics));
        Diagnostic diagnostic = matching[0];
        Assert.Multiple(() =>
        {
            Assert.That(diagnostic.Severity, Is.EqualTo(severity));
            Assert.That(diagnostic.Location.SourceSpan, Is.EqualTo(source.Span),
                $"points at '{source.Text.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length)}'");
            Assert.That(diagnostic.Descriptor.HelpLinkUri, Is.EqualTo($"https://github.com/calloop-dotnet/calloop-dotnet/blob/main/docs/diagnostics/{id}.md"));
            foreach (string name in named)
            {
                Assert.That(diagnostic.GetMessage(CultureInfo.InvariantCulture), Does.Contain(name));
            }
        });
        return diagnostic;
    }

    [Test]
    public void CLP0001_TypeNotPartial() => Single("""
        public class {|App|}
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "CLP0001", DiagnosticSeverity.Error, "App");

    [Test]
    public void CLP0001_ContainingTypeNotPartial() => Single("""
        public class {|Outer|}
        {
            public partial class App
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }
        }
        """, "CLP0001", DiagnosticSeverity.Error, "Outer");

    [Test]
    public void CLP0002_MissingMember() => Single("""
        public partial class App
        {
            [OnEvent({|"_tock"|})]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "CLP0002", DiagnosticSeverity.Error, "OnTick", "_tock", "App");

    [Test]
    public void CLP0003_NotAnEventSource() => Single("""
        public partial class App
        {
            private int _count;

            [OnEvent({|nameof(_count)|})]
            private void OnCount(int value) => _count = value;
        }
        """, "CLP0003", DiagnosticSeverity.Error, "_count", "OnCount", "int");

    [Test]
    public void CLP0004_SignatureMismatchSaysWhatIsExpected()
    {
        Diagnostic diagnostic = Single("""
            public partial class App
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private void {|OnTick|}(Instant deadline)
                {
                }
            }
            """, "CLP0004", DiagnosticSeverity.Error, "OnTick", "_tick");
        Assert.That(diagnostic.GetMessage(CultureInfo.InvariantCulture), Does.Contain("expected 'TimeoutAction OnTick(Instant @event, [ref Unit metadata], [ref App data])'"));
    }

    [Test]
    public void CLP0004_AMaybeNullEventIntoANonNullParameter() => Single("""
        public sealed class Names : IEventSource<string?, Unit, Unit>
        {
            public void Register(Poll poll, ref TokenFactory tokenFactory) { }
            public void Reregister(Poll poll, ref TokenFactory tokenFactory) { }
            public void Unregister(Poll poll) { }
            public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
                where TCallback : IEventCallback<string?, Unit, Unit>, allows ref struct => PostAction.Continue;
        }

        public partial class App
        {
            private readonly Names _names = new();

            [OnEvent(nameof(_names))]
            private void {|OnName|}(string name) { }
        }
        """, "CLP0004", DiagnosticSeverity.Error, "OnName", "_names");

    [Test]
    public void NullableEventsAndReturnsMatchedByNullabilityCompileWithoutWarnings()
    {
        GeneratorOutput output = GeneratorHarness.Run(Usings + """
            public sealed class Names : IEventSource<string?, string?, string?>
            {
                public void Register(Poll poll, ref TokenFactory tokenFactory) { }
                public void Reregister(Poll poll, ref TokenFactory tokenFactory) { }
                public void Unregister(Poll poll) { }
                public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
                    where TCallback : IEventCallback<string?, string?, string?>, allows ref struct => PostAction.Continue;
            }

            public sealed class Words : IEventSource<string, Unit, Unit>
            {
                public void Register(Poll poll, ref TokenFactory tokenFactory) { }
                public void Reregister(Poll poll, ref TokenFactory tokenFactory) { }
                public void Unregister(Poll poll) { }
                public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
                    where TCallback : IEventCallback<string, Unit, Unit>, allows ref struct => PostAction.Continue;
            }

            public partial class App
            {
                private readonly Names _names = new();
                private readonly Words _words = new();

                [OnEvent(nameof(_names))]
                private string OnName(string? name, ref string? metadata) => "";   // non-null out where maybe-null is expected: fine

                [OnEvent(nameof(_words))]
                private void OnWord(string? word) { }                                // maybe-null parameter for a non-null event: fine
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics, Is.Empty);
            Assert.That(output.Compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id.StartsWith("CS86", System.StringComparison.Ordinal)),
                Is.Empty, "no nullable warning in generated code");
        });
    }

    [Test]
    public void CLP0004_CompositeEmitParameterMustAllowRefStructs()
    {
        Diagnostic diagnostic = Single("""
            [EventSource]
            public partial class Pair : IEventSource<int, Unit, Unit>
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction {|OnTick|}<TEmit>(Instant deadline, ref TEmit emit) where TEmit : IEventCallback<int, Unit, Unit>
                    => TimeoutAction.Drop;
            }
            """, "CLP0004", DiagnosticSeverity.Error, "OnTick", "_tick");
        Assert.That(diagnostic.GetMessage(CultureInfo.InvariantCulture), Does.Contain("allows ref struct"));
    }

    [Test]
    public void CLP0005_TwoHandlersForOneSource() => Single("""
        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;

            [OnEvent({|nameof(_tick)|})]
            private TimeoutAction OnTickAgain(Instant deadline) => TimeoutAction.Drop;
        }
        """, "CLP0005", DiagnosticSeverity.Error, "_tick", "OnTick", "OnTickAgain");

    [Test]
    public void CLP0006_SourceWithoutHandler() => Single("""
        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();
            private readonly TimerSource {|_forgotten|} = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "CLP0006", DiagnosticSeverity.Warning, "_forgotten", "App");

    [Test]
    public void CLP0007_CompositeWithoutInterface() => Single("""
        [EventSource]
        public partial class {|Pair|}
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "CLP0007", DiagnosticSeverity.Error, "Pair");

    [Test]
    public void CLP0007_CompositeWithoutInterfaceAloneEvenWithAnEmittingHandler()
    {
        const string Code = """
        [EventSource]
        public partial class {|Pair|}
        {
            private readonly TimerSource _tick = TimerSource.Immediate();
            private Unit _none;

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick<TEmit>(Instant deadline, ref TEmit emit) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct
            {
                emit.Invoke(1, ref _none);
                return TimeoutAction.Drop;
            }
        }
        """;
        Single(Code, "CLP0007", DiagnosticSeverity.Error, "Pair");
        GeneratorOutput output = GeneratorHarness.Run(MarkedSource.Parse(Usings + Code).Text);
        Assert.That(output.Diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "CLP0007" }), "no signature error on top of the missing interface");
    }

    [Test]
    public void CLP0010_HandlerOnALocalFunction() => Single("""
        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            public void Setup()
            {
                [OnEvent(nameof(_tick))]
                TimeoutAction {|OnTick|}(Instant deadline) => TimeoutAction.Drop;
            }
        }
        """, "CLP0010", DiagnosticSeverity.Error, "OnTick");

    [Test]
    public void CLP0008_StaticClass() => Single("""
        public static partial class {|Holder|}
        {
            private static readonly TimerSource Tick = TimerSource.Immediate();

            [OnEvent(nameof(Tick))]
            private static TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "CLP0008", DiagnosticSeverity.Error, "Holder", "static");

    [Test]
    public void CLP0008_FileLocalType() => Single("""
        file partial class {|App|}
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "CLP0008", DiagnosticSeverity.Error, "App", "file-local");

    [Test]
    public void CLP0009_PrivateMemberOfBaseClass() => Single("""
        public class Base
        {
            private readonly TimerSource _tick = TimerSource.Immediate();
        }

        public partial class App : Base
        {
            [OnEvent({|"_tick"|})]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "CLP0009", DiagnosticSeverity.Error, "_tick", "OnTick", "Base");

    [Test]
    public void SourcesImplementingTheInterfaceExplicitlyCompile()
    {
        GeneratorOutput output = GeneratorHarness.Run(Usings + """
            public sealed class Hidden : IEventSource<int, Unit, Unit>, IDisposable
            {
                void IEventSource.Register(Poll poll, ref TokenFactory tokenFactory) { }
                void IEventSource.Reregister(Poll poll, ref TokenFactory tokenFactory) { }
                void IEventSource.Unregister(Poll poll) { }
                PostAction IEventSource<int, Unit, Unit>.ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
                    => PostAction.Continue;
                void IDisposable.Dispose() { }
            }

            [EventSource]
            public sealed partial class Wrapper : IEventSource<int, Unit, Unit>
            {
                private readonly Hidden _hidden = new();

                [OnEvent(nameof(_hidden))]
                private void OnHidden(int value) { }
            }

            public partial class App
            {
                private readonly Hidden _hidden = new();

                [OnEvent(nameof(_hidden))]
                private void OnHidden(int value) { }
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics, Is.Empty);
            Assert.That(output.CompilerErrors, Is.Empty, string.Join("\n", output.CompilerErrors));
        });
    }

    [Test]
    public void AProtectedSourceOfABaseClassIsSupported()
    {
        GeneratorOutput output = GeneratorHarness.Run(Usings + """
            public class Base
            {
                protected readonly TimerSource Tick = TimerSource.Immediate();
            }

            public partial class App : Base
            {
                [OnEvent(nameof(Tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics, Is.Empty);
            Assert.That(output.CompilerErrors, Is.Empty);
            Assert.That(output.Sources.Single().Text, Does.Contain("this.Tick"));
        });
    }

    [Test]
    public void CLP0011_ExplicitInterfaceHandler()
    {
        GeneratorOutput output = GeneratorHarness.Run(Usings + """
            public interface IHandler
            {
                TimeoutAction On(Instant deadline);
            }

            public partial class App : IHandler
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                TimeoutAction IHandler.On(Instant deadline) => TimeoutAction.Drop;
            }
            """);
        Assert.That(output.CompilerErrors, Is.Empty, "the generated code compiles");
        Single("""
            public interface IHandler
            {
                TimeoutAction On(Instant deadline);
            }

            public partial class App : IHandler
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                TimeoutAction IHandler.{|On|}(Instant deadline) => TimeoutAction.Drop;
            }
            """, "CLP0011", DiagnosticSeverity.Error, "IHandler.On", "_tick");
    }

    [Test]
    public void CLP0012_ExplicitInterfaceSourceInTheGlobalNamespace()
    {
        const string source = """
            public interface IHas
            {
                TimerSource Tick { get; }
            }

            public partial class App : IHas
            {
                TimerSource IHas.Tick { get; } = TimerSource.Immediate();

                [OnEvent({|"IHas.Tick"|})]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }
            """;
        Assert.That(GeneratorHarness.Run(Usings + MarkedSource.Parse(source).Text).CompilerErrors, Is.Empty, "the generated code compiles");
        Single(source, "CLP0012", DiagnosticSeverity.Error, "IHas.Tick", "OnTick");
    }

    [Test]
    public void CLP0012_ExplicitInterfaceSourceInANamespace() => Single("""
        namespace N
        {
            public interface IHas
            {
                TimerSource Tick { get; }
            }

            public partial class App : IHas
            {
                TimerSource IHas.Tick { get; } = TimerSource.Immediate();

                [OnEvent({|"IHas.Tick"|})]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }
        }
        """, "CLP0012", DiagnosticSeverity.Error, "IHas.Tick", "OnTick");

    [Test]
    public void ValidCodeHasNoDiagnosticsAndCompiles()
    {
        GeneratorOutput output = GeneratorHarness.Run(Usings + """
            public partial class App
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics, Is.Empty);
            Assert.That(output.CompilerErrors, Is.Empty);
        });
    }

    /// <summary>CLP0008 with its reason, and no generated code for the type.</summary>
    private static void Unsupported(string marked, string name, string reason)
    {
        Single(marked, "CLP0008", DiagnosticSeverity.Error, name, reason);
        GeneratorOutput output = GeneratorHarness.Run(MarkedSource.Parse(Usings + marked).Text);
        Assert.Multiple(() =>
        {
            Assert.That(output.Run.Exception, Is.Null);
            Assert.That(output.Sources.Select(s => s.HintName), Is.Empty, "nothing is generated for a type that cannot hold handlers");
        });
    }

    [Test]
    public void CLP0008_StaticClassAsSharedData() => Unsupported("""
        public static partial class {|Holder|}
        {
            private static readonly TimerSource Tick = TimerSource.Immediate();

            [OnEvent(nameof(Tick))]
            private static TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "Holder", "a static class cannot be a loop's shared data (use a class or struct instance)");

    [Test]
    public void CLP0008_StaticComposite() => Unsupported("""
        [EventSource]
        public static partial class {|Beat|}
        {
            private static readonly TimerSource Tick = TimerSource.Immediate();

            [OnEvent(nameof(Tick))]
            private static TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "Beat", "a static class cannot be an event source");

    [Test]
    public void CLP0008_FileLocalTypeGetsNoCode() => Unsupported("""
        file partial class {|App|}
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "App", "a file-local type cannot be extended by generated code in another file");

    [Test]
    public void CLP0008_RefStruct() => Unsupported("""
        public ref partial struct {|Frame|}
        {
            private readonly TimerSource _tick;

            public Frame() => _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "Frame", "a ref struct cannot be a loop's shared data");

    [Test]
    public void CLP0008_Interface() => Unsupported("""
        public partial interface {|IApp|}
        {
            TimerSource Tick { get; }

            [OnEvent(nameof(Tick))]
            TimeoutAction OnTick(Instant deadline);
        }
        """, "IApp", "only classes and structs can hold handlers");

    [Test]
    public void CLP0008_RecordStructComposite() => Unsupported("""
        [EventSource]
        public partial record struct {|Beat|}(TimerSource Tick) : IEventSource<int, Unit, Unit>
        {
            [OnEvent(nameof(Tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "Beat", "a composite event source must be a class");

    [Test]
    public void CLP0007_CompositeImplementingTheInterfaceTwice() => Single("""
        [EventSource]
        public partial class {|Pair|} : IEventSource<int, Unit, Unit>, IEventSource<long, Unit, Unit>
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "CLP0007", DiagnosticSeverity.Error, "Pair");

    [Test]
    public void CLP0007_CompositeOfAnEventTypeThatDoesNotCompileGetsNoCode()
    {
        const string Code = """
            [EventSource]
            public partial class {|Beat|} : IEventSource<Missing, Unit, Unit>
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }
            """;
        Single(Code, "CLP0007", DiagnosticSeverity.Error, "Beat");
        GeneratorOutput output = GeneratorHarness.Run(MarkedSource.Parse(Usings + Code).Text);
        Assert.Multiple(() =>
        {
            Assert.That(output.Run.Exception, Is.Null);
            Assert.That(output.Sources, Is.Empty, "no composite is generated around an event type the compiler cannot resolve");
        });
    }

    [Test]
    public void CLP0009_PropertyWithoutAGetter() => Single("""
        public partial class App
        {
            public TimerSource Tick { set { } }

            [OnEvent({|nameof(Tick)|})]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """, "CLP0009", DiagnosticSeverity.Error, "Tick", "OnTick", "it has no getter that can be called here");

    [Test]
    public void CLP0004_UnitResultExpectsAVoidHandler()
    {
        Diagnostic diagnostic = Single("""
            public partial class App
            {
                private readonly PingSource _ping = Ping.Create().Source;

                [OnEvent(nameof(_ping))]
                private int {|OnPing|}(Unit ping) => 0;
            }
            """, "CLP0004", DiagnosticSeverity.Error, "OnPing", "_ping");
        Assert.That(diagnostic.GetMessage(CultureInfo.InvariantCulture), Does.Contain("expected 'void OnPing(Unit @event, [ref Unit metadata], [ref App data])'"));
    }

    [Test]
    public void CLP0004_GenericHandlerOfSharedData() => Single("""
        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction {|OnTick|}<T>(Instant deadline) => TimeoutAction.Drop;
        }
        """, "CLP0004", DiagnosticSeverity.Error, "OnTick", "_tick");

    [Test]
    public void CLP0004_HandlerWithoutParameters() => Single("""
        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction {|OnTick|}() => TimeoutAction.Drop;
        }
        """, "CLP0004", DiagnosticSeverity.Error, "OnTick", "_tick");

    [Test]
    public void CLP0004_HandlerWithAnExtraParameter() => Single("""
        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction {|OnTick|}(Instant deadline, int attempt) => TimeoutAction.Drop;
        }
        """, "CLP0004", DiagnosticSeverity.Error, "OnTick", "_tick");

    [Test]
    public void CLP0004_HandlerReturningByRef() => Single("""
        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();
            private TimeoutAction _next = TimeoutAction.Drop;

            [OnEvent(nameof(_tick))]
            private ref TimeoutAction {|OnTick|}(Instant deadline) => ref _next;
        }
        """, "CLP0004", DiagnosticSeverity.Error, "OnTick", "_tick");

    [Test]
    public void CLP0004_AsyncHandler() => Single("""
        public partial class App
        {
            private readonly PingSource _ping = Ping.Create().Source;

            [OnEvent(nameof(_ping))]
            private async void {|OnPing|}(Unit ping) => await System.Threading.Tasks.Task.Yield();
        }
        """, "CLP0004", DiagnosticSeverity.Error, "OnPing", "_ping");

    [Test]
    public void CLP0004_RefMetadataOfAnotherNullability() => Single("""
        public sealed class Named : IEventSource<int, string, Unit>
        {
            public void Register(Poll poll, ref TokenFactory tokenFactory) { }
            public void Reregister(Poll poll, ref TokenFactory tokenFactory) { }
            public void Unregister(Poll poll) { }
            public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
                where TCallback : IEventCallback<int, string, Unit>, allows ref struct => PostAction.Continue;
        }

        public partial class App
        {
            private readonly Named _named = new();

            [OnEvent(nameof(_named))]
            private void {|OnValue|}(int value, ref string? name) { }
        }
        """, "CLP0004", DiagnosticSeverity.Error, "OnValue", "_named");

    [Test]
    public void CLP0004_CompositeHandlerWithASecondTypeParameter()
    {
        Diagnostic diagnostic = Single("""
            [EventSource]
            public partial class Pair : IEventSource<int, Unit, Unit>
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction {|OnTick|}<TEmit, TOther>(Instant deadline, ref TEmit emit) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct
                    => TimeoutAction.Drop;
            }
            """, "CLP0004", DiagnosticSeverity.Error, "OnTick", "_tick");
        Assert.That(diagnostic.GetMessage(CultureInfo.InvariantCulture), Does.Contain(
            "expected 'TimeoutAction OnTick[<TEmit>](Instant @event, [ref Unit metadata], [ref TEmit emit]) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct'"));
    }

    [Test]
    public void CLP0004_CompositeHandlerWithoutItsEmitParameter() => Single("""
        [EventSource]
        public partial class Pair : IEventSource<int, Unit, Unit>
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction {|OnTick|}<TEmit>(Instant deadline) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct
                => TimeoutAction.Drop;
        }
        """, "CLP0004", DiagnosticSeverity.Error, "OnTick", "_tick");

    [Test]
    public void CLP0004_CompositeHandlerTakingTheCompositeAsData() => Single("""
        [EventSource]
        public partial class Pair : IEventSource<int, Unit, Unit>
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction {|OnTick|}(Instant deadline, ref Pair data) => TimeoutAction.Drop;
        }
        """, "CLP0004", DiagnosticSeverity.Error, "OnTick", "_tick");

    [Test]
    public void CLP0012_ExplicitInterfaceSourceNamedByItsMember()
    {
        const string Code = """
            public interface IHas
            {
                TimerSource Tick { get; }
            }

            public partial class App : IHas
            {
                TimerSource IHas.Tick { get; } = TimerSource.Immediate();

                [OnEvent({|"Tick"|})]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }
            """;
        Single(Code, "CLP0012", DiagnosticSeverity.Error, "Tick", "OnTick");
        GeneratorOutput output = GeneratorHarness.Run(MarkedSource.Parse(Usings + Code).Text);
        Assert.That(output.Diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "CLP0012" }), "the property the handler names is not also reported as a source without a handler");
    }

    [Test]
    public void CLP0012_ExplicitImplementationOfAMemberTheInterfaceLacks() => Single("""
        public interface IHas
        {
            TimerSource Tick { get; }
        }

        public partial class App : IHas
        {
            public TimerSource Tick { get; } = TimerSource.Immediate();

            TimerSource IHas.Tock { get; } = TimerSource.Immediate();

            [OnEvent(nameof(Tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;

            [OnEvent({|"IHas.Tock"|})]
            private TimeoutAction OnTock(Instant deadline) => TimeoutAction.Drop;
        }
        """, "CLP0012", DiagnosticSeverity.Error, "IHas.Tock", "OnTock");

    [Test]
    public void AnExplicitInterfacePropertyForwardingAHandledSourceIsNotReportedAsUnhandled()
    {
        // `IHasTick.Tick` cannot carry a handler of its own (an [OnEvent] naming it is CLP0012): it is a view of the
        // handled field, and a CLP0006 on it could not be acted on.
        GeneratorOutput output = GeneratorHarness.Run(Usings + """
            public interface IHasTick
            {
                TimerSource Tick { get; }
            }

            public partial class App : IHasTick
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                TimerSource IHasTick.Tick => _tick;

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;

                public static RegistrationToken Insert(App app, LoopHandle<App> handle) => app.InsertSources(handle).Tick;
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics, Is.Empty);
            Assert.That(output.CompilerErrors, Is.Empty, string.Join("\n", output.CompilerErrors));
        });
    }

    [Test]
    public void ExplicitInterfacePropertiesBesideTheSourcesAreLeftAlone()
    {
        GeneratorOutput output = GeneratorHarness.Run(Usings + """
            public interface ICounter
            {
                int Tick { get; }
            }

            public interface ICounted
            {
                int Count { get; }
            }

            public partial class App : ICounter, ICounted
            {
                private readonly PingSource _ping = Ping.Create().Source;

                public TimerSource Tick { get; } = TimerSource.Immediate();

                int ICounter.Tick => 0;

                int ICounted.Count => 1;

                [OnEvent(nameof(Tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;

                [OnEvent(nameof(_ping))]
                private void OnPing(Unit ping) { }

                public static RegistrationToken[] Insert(App app, LoopHandle<App> handle)
                {
                    AppSources tokens = app.InsertSources(handle);
                    return [tokens.Tick, tokens.Ping];
                }
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics, Is.Empty);
            Assert.That(output.CompilerErrors, Is.Empty, string.Join("\n", output.CompilerErrors));
        });
    }
}
