using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Calloop.CodeFixes;
using Calloop.Generators.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Calloop.Generators.Tests;

/// <summary>
/// The CLP0001 code fix, applied as an editor applies it: to a workspace document, for a diagnostic the generator
/// reported. Each test checks the exact fixed text, then runs the generator again on the fixed project.
/// </summary>
public class CodeFixTests
{
    private const string Id = "CLP0001";

    private static readonly MakeTypePartialCodeFixProvider Provider = new();

    [Test]
    public void FixesOnlyTheTypeNotPartialDiagnostic() =>
        Assert.That(Provider.FixableDiagnosticIds, Is.EqualTo(new[] { Id }));

    [Test]
    public async Task AddsPartialToAClass()
    {
        Document document = CodeFixHarness.CreateDocument("""
            using Calloop;

            public sealed class App
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }
            """);
        Document fixedDocument = await FixSingleAsync(document, "App");
        await AssertFixedAsync(fixedDocument, """
            using Calloop;

            public sealed partial class App
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }
            """);
    }

    [Test]
    public async Task AddsPartialToTheTypeAndEveryContainingTypeKeepingTrivia()
    {
        Document document = CodeFixHarness.CreateDocument("""
            using Calloop;

            namespace Demo
            {
                // The outer type.
                static class Outer
                {
                    public partial class Middle
                    {
                        /// <summary>Holds the handlers.</summary>
                        [System.Serializable]
                        class App
                        {
                            private readonly TimerSource _tick = TimerSource.Immediate();

                            [OnEvent(nameof(_tick))]
                            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
                        }
                    }
                }
            }
            """);
        ImmutableArray<Diagnostic> before = await CodeFixHarness.CalloopDiagnosticsAsync(document, Id);
        Assert.That(before.Select(d => d.GetMessage(CultureInfo.InvariantCulture)), Has.Exactly(1).Contains("'App'").And.Exactly(1).Contains("'Outer'"),
            "one diagnostic for each type that is not partial");

        Document fixedDocument = await FixSingleAsync(document, "App");
        await AssertFixedAsync(fixedDocument, """
            using Calloop;

            namespace Demo
            {
                // The outer type.
                static partial class Outer
                {
                    public partial class Middle
                    {
                        /// <summary>Holds the handlers.</summary>
                        [System.Serializable]
                        partial class App
                        {
                            private readonly TimerSource _tick = TimerSource.Immediate();

                            [OnEvent(nameof(_tick))]
                            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
                        }
                    }
                }
            }
            """);
    }

    [Test]
    public async Task FixingAContainingTypeLeavesTheNestedTypeAlone()
    {
        Document document = CodeFixHarness.CreateDocument("""
            using Calloop;

            public class Outer
            {
                public class App
                {
                    private readonly TimerSource _tick = TimerSource.Immediate();

                    [OnEvent(nameof(_tick))]
                    private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
                }
            }
            """);
        Document fixedDocument = await FixSingleAsync(document, "Outer");
        string text = (await fixedDocument.GetTextAsync()).ToString();
        Assert.That(text, Does.Contain("public partial class Outer").And.Contain("public class App"));
        ImmutableArray<Diagnostic> after = await CodeFixHarness.CalloopDiagnosticsAsync(fixedDocument, Id);
        Assert.That(after.Select(d => d.GetMessage(CultureInfo.InvariantCulture)).ToArray(), Has.Length.EqualTo(1).And.Exactly(1).Contains("'App'"));
    }

    [Test]
    public async Task AddsPartialToRecordsAndStructs()
    {
        Document document = CodeFixHarness.CreateDocument("""
            using Calloop;

            public record class Host
            {
                internal readonly record struct App
                {
                    public App() { }

                    private readonly TimerSource _tick = TimerSource.Immediate();

                    [OnEvent(nameof(_tick))]
                    private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
                }
            }
            """);
        Document fixedDocument = await FixSingleAsync(document, "App");
        await AssertFixedAsync(fixedDocument, """
            using Calloop;

            public partial record class Host
            {
                internal readonly partial record struct App
                {
                    public App() { }

                    private readonly TimerSource _tick = TimerSource.Immediate();

                    [OnEvent(nameof(_tick))]
                    private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
                }
            }
            """);
    }

    [TestCase(FixAllScope.Document)]
    [TestCase(FixAllScope.Project)]
    [TestCase(FixAllScope.Solution)]
    public async Task FixAllMakesEveryTypePartialOnce(FixAllScope scope)
    {
        Document document = CodeFixHarness.CreateDocument("""
            using Calloop;

            public class First
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }

            public static class Outer
            {
                public class Second
                {
                    private readonly TimerSource _tick = TimerSource.Immediate();

                    [OnEvent(nameof(_tick))]
                    private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
                }
            }
            """);
        Assert.That(await CodeFixHarness.CalloopDiagnosticsAsync(document, Id), Has.Length.EqualTo(3));

        Document fixedDocument = await CodeFixHarness.FixAllAsync(Provider, document, scope, Id, await EquivalenceKeyAsync(document));
        await AssertFixedAsync(fixedDocument, """
            using Calloop;

            public partial class First
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }

            public static partial class Outer
            {
                public partial class Second
                {
                    private readonly TimerSource _tick = TimerSource.Immediate();

                    [OnEvent(nameof(_tick))]
                    private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
                }
            }
            """);
    }

    /// <summary>Applies the one fix registered for the diagnostic that names <paramref name="typeName"/>.</summary>
    private static async Task<Document> FixSingleAsync(Document document, string typeName)
    {
        ImmutableArray<Diagnostic> diagnostics = await CodeFixHarness.CalloopDiagnosticsAsync(document, Id);
        Diagnostic diagnostic = diagnostics.Single(d => d.Location.SourceTree!.ToString().Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length) == typeName);
        IReadOnlyList<CodeAction> actions = await CodeFixHarness.ActionsAsync(Provider, document, diagnostic);
        Assert.That(actions.Select(a => a.Title), Is.EqualTo(new[] { MakeTypePartialCodeFixProvider.Title }));
        return await CodeFixHarness.ApplyAsync(actions[0], document);
    }

    private static async Task<string> EquivalenceKeyAsync(Document document)
    {
        Diagnostic diagnostic = (await CodeFixHarness.CalloopDiagnosticsAsync(document, Id))[0];
        return (await CodeFixHarness.ActionsAsync(Provider, document, diagnostic)).Single().EquivalenceKey!;
    }

    /// <summary>The fixed text is exactly <paramref name="expected"/>, and the generator now accepts and compiles it.</summary>
    private static async Task AssertFixedAsync(Document fixedDocument, string expected)
    {
        string text = (await fixedDocument.GetTextAsync()).ToString();
        Assert.That(text.Replace("\r\n", "\n"), Is.EqualTo(expected.Replace("\r\n", "\n")));
        Assert.That(await CodeFixHarness.CalloopDiagnosticsAsync(fixedDocument, Id), Is.Empty, "CLP0001 is gone");
        Compilation compilation = (await fixedDocument.Project.GetCompilationAsync())!;
        GeneratorHarness.Load(GeneratorHarness.Run(compilation));
    }
}
