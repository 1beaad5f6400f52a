using System.Collections.Generic;
using System.Linq;
using Calloop.Generators.Tests.Support;

namespace Calloop.Generators.Tests;

/// <summary>Broken and half-typed code gives diagnostics or nothing, never an exception from the generator.</summary>
public class RobustnessTests
{
    private const string Complete = """
        using System;
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        public sealed partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();
            private readonly PingSource _ping = Ping.Create().Source;

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline, ref Unit metadata, ref App data) => TimeoutAction.Drop;

            [OnEvent(nameof(_ping))]
            private void OnPing(Unit ping) { }
        }

        [EventSource]
        public sealed partial class Pair<T> : IEventSource<int, Unit, Unit> where T : class
        {
            private readonly PingSource _ping = Ping.Create().Source;
            private Unit _none;

            [OnEvent(nameof(_ping))]
            private void OnPing<TEmit>(Unit ping, ref TEmit emit) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct
                => emit.Invoke(1, ref _none);
        }
        """;

    private static readonly string[] Corpus =
    [
        "",
        "[OnEvent]",
        "using Calloop; [OnEvent(",
        "using Calloop; class A { [OnEvent(nameof(",
        "using Calloop; class A { [OnEvent(null)] void M() { } }",
        "using Calloop; partial class A { [OnEvent(42)] void M() { } }",
        "using Calloop; partial class A { [OnEvent(\"x\", \"y\")] void M() { } }",
        "using Calloop; partial class A { [OnEvent(\"\")] void M() { } }",
        "using Calloop; partial class A { Undefined _x; [OnEvent(nameof(_x))] void M(Unit u) { } }",
        "using Calloop; partial class A { TimerSource _x; [OnEvent(nameof(_x))] void M( { } }",
        "using Calloop; partial class A { TimerSource _x; [OnEvent(nameof(_x))] TimeoutAction M(Instant i, ref) => default; }",
        "using Calloop; partial class A { TimerSource _x; [OnEvent(nameof(_x))] TimeoutAction M<>(Instant i) => default; }",
        "using Calloop; partial class A { TimerSource _x; [OnEvent(nameof(_x))] [OnEvent(nameof(_x))] TimeoutAction M(Instant i) => default; }",
        "using Calloop; partial class A { TimerSource this[int i] => null!; [OnEvent(\"this[]\")] TimeoutAction M(Instant i) => default; }",
        "using Calloop; partial class A { TimerSource _x { set { } } [OnEvent(nameof(_x))] TimeoutAction M(Instant i) => default; }",
        "using Calloop; partial class A { IEventSource<Undefined, Unit, Unit> _x; [OnEvent(nameof(_x))] void M(Undefined u) { } }",
        "using Calloop; partial interface I { TimerSource X { get; } [OnEvent(nameof(X))] TimeoutAction M(Instant i); }",
        "using Calloop; partial record R(TimerSource T) { [OnEvent(nameof(T))] TimeoutAction M(Instant i) => default; }",
        "using Calloop; partial record struct R(TimerSource T) { [OnEvent(nameof(T))] TimeoutAction M(Instant i) => default; }",
        "using Calloop; ref partial struct R { TimerSource T; [OnEvent(nameof(T))] TimeoutAction M(Instant i) => default; }",
        "using Calloop; partial class A { void Local() { [OnEvent(\"x\")] void M() { } } }",
        "using Calloop; [EventSource] partial class A : IEventSource<int, Unit> { }",
        "using Calloop; [EventSource] partial class A : IEventSource<int, Unit, Unit>, IEventSource<long, Unit, Unit> { }",
        "using Calloop; [EventSource] partial struct A : IEventSource<int, Unit, Unit> { }",
        "using Calloop; [EventSource] static partial class A { }",
        "using Calloop; [EventSource] partial class A : IEventSource<int, Unit, Unit> { A _self; [OnEvent(nameof(_self))] void M(int i) { } }",
        "using Calloop; [EventSource(1)] partial class A : IEventSource<int, Unit, Unit> { }",
        "using Calloop; [EventSource] partial class A<T> : IEventSource<T, Unit, Unit> where T : IEventSource<T, Unit, Unit> { T _t; [OnEvent(nameof(_t))] void M<TEmit>(T e, ref TEmit emit) where TEmit : IEventCallback<T, Unit, Unit>, allows ref struct { } }",
        "namespace Calloop { public class OnEventAttribute : System.Attribute { } } partial class A { [Calloop.OnEvent] void M() { } }",
    ];

    private static IEnumerable<string> Cases()
    {
        foreach (string snippet in Corpus)
        {
            yield return snippet;
        }
        // Every prefix of a complete file, as if typed in an IDE.
        for (int length = 0; length < Complete.Length; length += 23)
        {
            yield return Complete.Substring(0, length);
        }
        // The complete file with one line removed at a time.
        string[] lines = Complete.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var kept = new List<string>(lines);
            kept.RemoveAt(i);
            yield return string.Join('\n', kept);
        }
    }

    [Test]
    public void GenericAndNestedTypesOfTheSameNameGetDistinctFiles()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
            using Calloop;
            using Calloop.Sources;

            namespace N;

            public partial class App
            {
                private readonly PingSource _ping = Ping.Create().Source;

                [OnEvent(nameof(_ping))]
                private void OnPing(Unit ping) { }

                public partial class App2
                {
                    private readonly PingSource _ping = Ping.Create().Source;

                    [OnEvent(nameof(_ping))]
                    private void OnPing(Unit ping) { }
                }
            }

            public partial class App_1
            {
                private readonly PingSource _ping = Ping.Create().Source;

                [OnEvent(nameof(_ping))]
                private void OnPing(Unit ping) { }
            }

            public partial class App<T>
            {
                private readonly PingSource _ping = Ping.Create().Source;

                [OnEvent(nameof(_ping))]
                private void OnPing(Unit ping) { }
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(output.Run.Exception, Is.Null);
            Assert.That(output.Sources.Select(s => s.HintName),
                Is.EquivalentTo(new[] { "N.App.Calloop.g.cs", "N.App+App2.Calloop.g.cs", "N.App-1.Calloop.g.cs", "N.App_1.Calloop.g.cs" }));
            Assert.That(output.CompilerErrors, Is.Empty);
        });
    }

    [TestCaseSource(nameof(Cases))]
    public void TheGeneratorNeverThrows(string source)
    {
        GeneratorOutput output = GeneratorHarness.Run(source);
        Assert.That(output.Run.Exception, Is.Null);
    }

    [Test]
    public void TheCompleteFileCompilesCleanly()
    {
        GeneratorOutput output = GeneratorHarness.Run(Complete);
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics, Is.Empty);
            Assert.That(output.CompilerErrors, Is.Empty);
        });
    }

    [Test]
    public void AnEventSourceRecordIsGeneratedLikeAClass()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
            using Calloop;
            using Calloop.Sources;

            namespace N;

            [EventSource]
            public sealed partial record Beat : IEventSource<int, Unit, Unit>
            {
                private readonly PingSource _ping = Ping.Create().Source;
                private Unit _none;

                [OnEvent(nameof(_ping))]
                private void OnPing<TEmit>(Unit ping, ref TEmit emit) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct
                    => emit.Invoke(1, ref _none);
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics, Is.Empty);
            Assert.That(output.CompilerErrors, Is.Empty, string.Join("\n", output.CompilerErrors));
            Assert.That(output.Run.GeneratedSources, Has.Length.EqualTo(1));
        });
    }

    /// <summary>Declarations the compiler rejects, around handlers that would otherwise be fine.</summary>
    private static readonly string[] Rejected =
    [
        // A type without a name.
        """
        using Calloop;

        public partial class
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """,
        // Two type parameters of one name.
        """
        using Calloop;

        public partial class App<T, T>
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """,
        // A namespace whose name is not finished.
        """
        using Calloop;

        namespace Sample.
        {
            public partial class App
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }
        }
        """,
        // [OnEvent] on the return value, where it is not allowed.
        """
        using Calloop;

        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [return: OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """,
    ];

    [TestCaseSource(nameof(Rejected))]
    public void RejectedDeclarationsGetNoGeneratedCodeAndNoDiagnosticOfOurs(string source)
    {
        GeneratorOutput output = GeneratorHarness.Run(source);
        Assert.Multiple(() =>
        {
            Assert.That(output.Run.Exception, Is.Null);
            Assert.That(output.CompilerErrors, Is.Not.Empty, "the compiler reports the declaration");
            Assert.That(output.Sources.Select(s => s.HintName), Is.Empty, "nothing is generated");
            Assert.That(output.Diagnostics.Select(d => d.Id), Is.Empty, "the compiler's error is enough");
        });
    }

    [Test]
    public void AHandlerPastedTwiceIsLeftToTheCompiler()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
            using Calloop;

            public partial class App
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline, ref Unit metadata) => TimeoutAction.Drop;

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline, ref Unit metadata) => TimeoutAction.Drop;
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(output.Run.Exception, Is.Null);
            Assert.That(output.Diagnostics.Select(d => d.Id), Is.Empty, "no diagnostic of ours on top of the compiler's");
            Assert.That(output.CompilerErrors.Select(d => d.Id), Is.EqualTo(new[] { "CS0111" }),
                "only the duplicate itself is an error: no generated code calls the ambiguous method");
        });
    }

    [Test]
    public void ASourceOfATypeThatDoesNotCompileIsLeftToTheCompiler()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
            using Calloop;

            public partial class App
            {
                private readonly Undefined _input = null!;

                [OnEvent(nameof(_input))]
                private void OnInput(int value) { }
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(output.Run.Exception, Is.Null);
            Assert.That(output.Diagnostics.Select(d => d.Id), Is.Empty, "not reported as 'not an event source'");
            Assert.That(output.CompilerErrors.Select(d => d.Id), Is.EqualTo(new[] { "CS0246" }));
        });
    }
}
