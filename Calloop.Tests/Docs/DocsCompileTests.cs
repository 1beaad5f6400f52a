using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using NUnit.Framework;

namespace Calloop.Tests.Docs;

/// <summary>Every C# block of README.md, the package README and docs/*.md compiles, with the source generator.</summary>
public class DocsCompileTests
{
    // What a new console project has (ImplicitUsings), plus the library's namespace.
    private const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Calloop;
        """;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly Lazy<AnalyzerFileReference> Generator =
        new(() => new AnalyzerFileReference(MarkdownSnippets.GeneratorPath, new LoadFromLoader()));

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(EventLoop<>).Assembly.Location),
    ];

    private static IEnumerable<TestCaseData> Snippets() =>
        MarkdownSnippets.All().Where(s => !s.IsFragment).Select(s => new TestCaseData(s).SetName($"Compiles({s})"));

    [TestCaseSource(nameof(Snippets))]
    public void Compiles(MarkdownSnippet snippet)
    {
        string source = snippet.Context?.Replace(MarkdownSnippet.Placeholder, snippet.Code, StringComparison.Ordinal) ?? snippet.Code;
        IReadOnlyList<Diagnostic> errors = Compile(source);
        Assert.That(errors, Is.Empty, () => $"{snippet} does not compile:\n{string.Join('\n', errors)}\n\n{Numbered(source)}");
    }

    [Test]
    public void TheFilesHaveBlocksToCompile()
    {
        List<MarkdownSnippet> all = MarkdownSnippets.All().ToList();
        int compiled = all.Count(s => !s.IsFragment);
        TestContext.Out.WriteLine($"{all.Count} C# blocks in {MarkdownSnippets.Files.Count} files: {compiled} compiled, {all.Count - compiled} fragments");
        Assert.That(MarkdownSnippets.Files, Does.Contain("docs/sources.md"));
        Assert.That(compiled, Is.GreaterThan(all.Count / 2), "most blocks compile; fragments are the exception");
    }

    [Test]
    public void ABrokenBlockIsCaught()
    {
        IReadOnlyList<Diagnostic> errors = Compile("""
            using var loop = new EventLoop<int>();
            int total = 0;
            loop.Handle.InsertSource(Calloop.Channel.Create<int>().Source, (evt, ref _, ref app) => app.Signal.Stop());
            """);
        Assert.That(errors.Select(e => e.Id), Does.Contain("CS1061"), "int has no Signal: the README's old snippet");
    }

    [Test]
    public void TheGeneratorRunsOnTheBlocks()
    {
        IReadOnlyList<Diagnostic> errors = Compile("""
            var app = new App();
            app.InsertSources(new EventLoop<App>().Handle);

            public sealed partial class App
            {
                private readonly TimerSource _tick = TimerSource.Immediate();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }
            """);
        Assert.That(errors, Is.Empty, () => string.Join('\n', errors));
    }

    private static List<Diagnostic> Compile(string source)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, ParseOptions, path: "Snippet.cs");
        bool topLevel = tree.GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [tree, CSharpSyntaxTree.ParseText(GlobalUsings, ParseOptions, path: "GlobalUsings.cs")],
            References,
            new CSharpCompilationOptions(topLevel ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));

        GeneratorDriver driver = CSharpGeneratorDriver.Create(Generator.Value.GetGenerators(LanguageNames.CSharp), parseOptions: ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);

        var errors = generatorDiagnostics.Concat(output.GetDiagnostics()).ToList();
        ImmutableArray<DiagnosticAnalyzer> analyzers = Generator.Value.GetAnalyzers(LanguageNames.CSharp);
        if (!analyzers.IsEmpty)
        {
            errors.AddRange(output.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult());
        }
        return errors.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
    }

    private static string Numbered(string source) =>
        string.Join('\n', source.Split('\n').Select((line, i) => $"{i + 1,4}  {line}"));

    private sealed class LoadFromLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }
}
