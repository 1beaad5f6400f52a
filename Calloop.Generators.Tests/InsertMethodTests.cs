using System;
using System.Globalization;
using System.Linq;
using System.Reflection;
using Calloop.Generators.Tests.Support;
using Microsoft.CodeAnalysis;

namespace Calloop.Generators.Tests;

/// <summary>
/// The insertion method: generated as <c>InsertSources</c> unless the type declares its own (any name, any accessibility),
/// returning a struct with one named token per source, and inserting all the sources or none.
/// </summary>
public class InsertMethodTests
{
    private const string Declared = """
        using System;
        using System.Linq;
        using System.Runtime.InteropServices;
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        /// <summary>A source whose registration fails when asked to.</summary>
        public sealed class Refusing : IEventSource<int, Unit, Unit>
        {
            public bool Refuse;
            public void Register(Poll poll, ref TokenFactory tokenFactory)
            {
                if (Refuse)
                {
                    throw new InvalidOperationException("refused");
                }
            }
            public void Reregister(Poll poll, ref TokenFactory tokenFactory) { }
            public void Unregister(Poll poll) { }
            public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
                where TCallback : IEventCallback<int, Unit, Unit>, allows ref struct => PostAction.Continue;
        }

        public sealed partial class App
        {
            private readonly TimerSource _tick = TimerSource.FromDuration(TimeSpan.FromHours(1));
            private readonly PingSource _ping;
            internal Ping Ping;
            internal Generic<SafeHandle> Pipe { get; }
            internal readonly Refusing Last = new();

            public App(SafeHandle readEnd)
            {
                (Ping, _ping) = Ping.Create();
                Pipe = Generic.From(readEnd, Interest.Readable, Mode.Level, leaveOpen: true);
            }

            /// <summary>Wires the sources.</summary>
            internal partial Wiring Wire(LoopHandle<App> loop);

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;

            [OnEvent(nameof(_ping))]
            private void OnPing(Unit _) { }

            [OnEvent(nameof(Pipe))]
            private PostAction OnReadable(Readiness readiness) => PostAction.Continue;

            [OnEvent(nameof(Last))]
            private void OnLast(int value) { }
        }

        public static class Entry
        {
            /// <summary>Inserts, checks each named token against the loop, then removes one by its name.</summary>
            public static int[] Tokens()
            {
                using var server = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.In);
                var app = new App(server.SafePipeHandle);
                using var loop = new EventLoop<App>();
                App.Wiring tokens = app.Wire(loop.Handle);
                int distinct = new[] { tokens.Tick, tokens.Ping, tokens.Pipe, tokens.Last }.Distinct().Count();
                int before = loop.Handle.SourceCount;
                loop.Handle.Remove(tokens.Ping);
                loop.Handle.Disable(tokens.Pipe);
                int after = loop.Handle.SourceCount;
                app.Ping.Dispose();
                return [distinct, before, after];
            }

            /// <summary>The last source refuses to register: the three inserted before it are removed again.</summary>
            public static int[] Rollback()
            {
                using var server = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.In);
                var app = new App(server.SafePipeHandle);
                app.Last.Refuse = true;
                using var loop = new EventLoop<App>();
                int threw = 0;
                try
                {
                    app.Wire(loop.Handle);
                }
                catch (InvalidOperationException e) when (e.Message == "refused")
                {
                    threw = 1;
                }
                int left = loop.Handle.SourceCount;
                app.Ping.Dispose();
                return [threw, left];
            }
        }
        """;

    [Test]
    public void ADeclaredMethodGetsItsBodyAndNamedTokens()
    {
        Assembly assembly = GeneratorHarness.Load(GeneratorHarness.Run(Declared));
        var result = (int[])GeneratorHarness.Call(assembly, "Sample.Entry", "Tokens")!;
        Assert.That(result, Is.EqualTo(new[] { 4, 4, 3 }), "four distinct tokens; four sources; three after removing Ping by name");
    }

    [Test]
    public void AFailedInsertionRemovesTheSourcesAlreadyInserted()
    {
        Assembly assembly = GeneratorHarness.Load(GeneratorHarness.Run(Declared));
        var result = (int[])GeneratorHarness.Call(assembly, "Sample.Entry", "Rollback")!;
        Assert.That(result, Is.EqualTo(new[] { 1, 0 }), "the insertion threw, and no source stayed in the loop");
    }

    [Test]
    public void WithoutADeclarationInsertSourcesIsGeneratedWithATokenStruct()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
            using Calloop;
            using Calloop.Sources;

            namespace Sample;

            public partial class App
            {
                private readonly PingSource _ping = Ping.Create().Source;
                private readonly TimerSource tick = TimerSource.Immediate();
                private readonly TimerSource _tick = TimerSource.Immediate();
                private readonly TimerSource _1 = TimerSource.Immediate();
                private readonly TimerSource _toString = TimerSource.Immediate();

                [OnEvent(nameof(_ping))] private void OnPing(Unit ping) { }
                [OnEvent(nameof(tick))] private TimeoutAction OnA(Instant deadline) => TimeoutAction.Drop;
                [OnEvent(nameof(_tick))] private TimeoutAction OnB(Instant deadline) => TimeoutAction.Drop;
                [OnEvent(nameof(_1))] private TimeoutAction OnC(Instant deadline) => TimeoutAction.Drop;
                [OnEvent(nameof(_toString))] private TimeoutAction OnD(Instant deadline) => TimeoutAction.Drop;

                public static void Use(EventLoop<App> loop, App app)
                {
                    App.AppSources tokens = app.InsertSources(loop.Handle);
                    loop.Handle.Remove(tokens.Ping);
                    loop.Handle.Remove(tokens.Tick);
                    loop.Handle.Remove(tokens._tick);
                    loop.Handle.Remove(tokens._1);
                    loop.Handle.Remove(tokens.ToStringToken);
                }
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics, Is.Empty);
            Assert.That(output.Compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning), Is.Empty,
                string.Join("\n", output.Compilation.GetDiagnostics()));
        });
    }

    [TestCase("public", "static partial AppSources InsertSources(LoopHandle<App> handle);", "static")]
    [TestCase("public", "partial AppSources InsertSources<T>(LoopHandle<App> handle);", "generic")]
    [TestCase("public", "partial int InsertSources(LoopHandle<App> handle);", "return type")]
    [TestCase("public", "partial App InsertSources(LoopHandle<App> handle);", "return type")]
    [TestCase("public", "partial Sample.AppSources InsertSources(LoopHandle<App> handle);", "return type")]
    [TestCase("public", "partial AppSources InsertSources(ref LoopHandle<App> handle);", "parameter")]
    public void CLP0014_AnInvalidDeclarationIsReported(string accessibility, string declaration, string reason)
    {
        GeneratorOutput output = GeneratorHarness.Run($$"""
            using Calloop;
            using Calloop.Sources;

            namespace Sample;

            public partial class App
            {
                private readonly PingSource _ping = Ping.Create().Source;

                {{accessibility}} {{declaration}}

                [OnEvent(nameof(_ping))] private void OnPing(Unit ping) { }
            }
            """);
        Assert.That(output.Run.Exception, Is.Null);
        Diagnostic[] reported = output.Diagnostics.Where(d => d.Id == "CLP0014").ToArray();
        Assert.That(reported, Has.Length.EqualTo(1), string.Join("\n", output.Diagnostics));
        Assert.That(reported[0].GetMessage(CultureInfo.InvariantCulture), Does.Contain("InsertSources").And.Contain(reason));
    }

    [Test]
    public void CLP0014_TwoDeclarationsAreReported()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
            using Calloop;
            using Calloop.Sources;

            namespace Sample;

            public partial class App
            {
                private readonly PingSource _ping = Ping.Create().Source;

                public partial AppSources InsertSources(LoopHandle<App> handle);
                public partial Other InsertOthers(LoopHandle<App> handle);

                [OnEvent(nameof(_ping))] private void OnPing(Unit ping) { }
            }
            """);
        Assert.That(output.Diagnostics.Where(d => d.Id == "CLP0014").Select(d => d.GetMessage(CultureInfo.InvariantCulture)), Has.One.Contains("InsertOthers"));
    }

    [TestCase("public int InsertSources;", "InsertSources")]
    [TestCase("public void InsertSources(LoopHandle<App> handle) { }", "InsertSources")]
    [TestCase("public class AppSources { }", "AppSources")]
    public void CLP0013_AMemberWithAGeneratedNameIsReported(string member, string name)
    {
        MarkedSource source = MarkedSource.Parse($$"""
            using Calloop;
            using Calloop.Sources;

            namespace Sample;

            public partial class App
            {
                private readonly PingSource _ping = Ping.Create().Source;

                {{member.Replace(name, "{|" + name + "|}")}}

                [OnEvent(nameof(_ping))] private void OnPing(Unit ping) { }
            }
            """);
        GeneratorOutput output = GeneratorHarness.Run(source.Text);
        Assert.That(output.Run.Exception, Is.Null);
        Diagnostic[] reported = output.Diagnostics.Where(d => d.Id == "CLP0013").ToArray();
        Assert.That(reported, Has.Length.EqualTo(1), string.Join("\n", output.Diagnostics));
        Assert.Multiple(() =>
        {
            Assert.That(reported[0].Location.SourceSpan, Is.EqualTo(source.Span));
            Assert.That(reported[0].GetMessage(CultureInfo.InvariantCulture), Does.Contain(name));
            Assert.That(output.CompilerErrors.Where(e => e.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true), Is.Empty,
                "nothing is generated that does not compile");
        });
    }

    [TestCase("public partial AppSources InsertSources(LoopHandle<App> handle);")]
    [TestCase("private partial Tokens Wire(LoopHandle<App> loop);")]
    [TestCase("protected internal partial @class @event(LoopHandle<App> @in);")]
    public void ADeclarationWithTheGeneratedNamesOrItsOwnCompilesCleanly(string declaration)
    {
        GeneratorOutput output = GeneratorHarness.Run($$"""
            using Calloop;
            using Calloop.Sources;

            namespace Sample;

            public partial class App
            {
                private readonly PingSource _ping = Ping.Create().Source;

                /// <summary>Inserts the sources.</summary>
                {{declaration}}

                [OnEvent(nameof(_ping))] private void OnPing(Unit ping) { }
            }
            """);
        Assert.Multiple(() =>
        {
            // The method is not called here (CLP0015, tested on its own); nothing else may be reported.
            Assert.That(output.Diagnostics.Where(d => d.Id != "CLP0015"), Is.Empty, "the analyzer, run after the generator, sees the generated members as the generator's");
            Assert.That(output.Compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning), Is.Empty,
                string.Join("\n", output.Compilation.GetDiagnostics()));
        });
    }

    [Test]
    public void AnOverloadOfInsertSourcesIsNotACollision()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
            using Calloop;
            using Calloop.Sources;

            namespace Sample;

            public partial class App
            {
                private readonly PingSource _ping = Ping.Create().Source;

                public void InsertSources(LoopHandle<App> handle, int extra) { }

                [OnEvent(nameof(_ping))] private void OnPing(Unit ping) { }
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics, Is.Empty);
            Assert.That(output.CompilerErrors, Is.Empty);
        });
    }
}
