using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Calloop.Generators.Tests.Support;

/// <summary>Builds in-memory compilations against the real Calloop.Runtime.dll and runs the generator over them.</summary>
internal static class GeneratorHarness
{
    internal static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    internal static readonly ImmutableArray<MetadataReference> References =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(EventLoop<>).Assembly.Location),
    ];

    internal static readonly CSharpCompilationOptions CompilationOptions =
        new(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);

    internal static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "Calloop.Generated.Test" + Guid.NewGuid().ToString("N"),
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
            References,
            CompilationOptions);

    internal static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new CalloopGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator and returns its output, the compilation with it, and every diagnostic.</summary>
    internal static GeneratorOutput Run(params string[] sources) => Run(Compile(sources));

    /// <summary>Runs the generator over a compilation built elsewhere (for example by a workspace).</summary>
    internal static GeneratorOutput Run(Compilation compilation)
    {
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> _);
        GeneratorDriverRunResult result = driver.GetRunResult();
        GeneratorRunResult run = result.Results.Single();
        return new GeneratorOutput(output, run);
    }

    /// <summary>Every analyzer in the generator's assembly.</summary>
    internal static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = typeof(CalloopGenerator).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    /// <summary>The diagnostics of <see cref="Analyzers"/> over <paramref name="compilation"/>, suppressed ones left out.</summary>
    internal static ImmutableArray<Diagnostic> AnalyzerDiagnostics(Compilation compilation)
    {
        if (Analyzers.IsEmpty)
        {
            return [];
        }
        var withAnalyzers = new CompilationWithAnalyzers(
            compilation,
            Analyzers,
            new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: false));
        ImmutableArray<Diagnostic> diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        AD0001(diagnostics);
        return diagnostics;
    }

    /// <summary>An analyzer that throws is reported as AD0001: a test failure, never a diagnostic to compare.</summary>
    private static void AD0001(ImmutableArray<Diagnostic> diagnostics)
    {
        Diagnostic[] crashes = diagnostics.Where(d => d.Id == "AD0001").ToArray();
        Assert.That(crashes, Is.Empty, string.Join(Environment.NewLine, crashes.Select(d => d.ToString())));
    }

    /// <summary>Compiles the generated program, fails on any error or warning, and loads it.</summary>
    internal static Assembly Load(GeneratorOutput output)
    {
        Assert.That(output.Run.Exception, Is.Null);
        // CLP0015 (an insertion method never called) is left to its own tests: some of these sources only compile.
        Assert.That(output.Diagnostics.Where(d => d.Id != "CLP0015"), Is.Empty, "generator diagnostics");
        using var stream = new MemoryStream();
        var emit = output.Compilation.Emit(stream);
        Diagnostic[] problems = emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.That(problems, Is.Empty, string.Join(Environment.NewLine, problems.Select(p => p.ToString()))
            + Environment.NewLine + string.Join(Environment.NewLine, output.Sources.Select(s => s.Text)));
        Assert.That(emit.Success, Is.True);
        return Assembly.Load(stream.ToArray());
    }

    /// <summary>Calls a public static method and returns its result.</summary>
    internal static object? Call(Assembly assembly, string typeName, string methodName)
    {
        Type type = assembly.GetType(typeName) ?? throw new InvalidOperationException($"No type {typeName}.");
        MethodInfo method = type.GetMethod(methodName) ?? throw new InvalidOperationException($"No method {typeName}.{methodName}.");
        try
        {
            return method.Invoke(null, null);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}

/// <summary>What one generator run produced.</summary>
internal sealed record GeneratorOutput(Compilation Compilation, GeneratorRunResult Run)
{
    private ImmutableArray<Diagnostic>? _diagnostics;

    /// <summary>
    /// What a build reports from the Calloop assembly: the generator's own diagnostics and those of its analyzers,
    /// run over the compilation with the generated code, after <c>#pragma</c>, <c>[SuppressMessage]</c> and
    /// <c>.editorconfig</c> (compilation-end diagnostics included).
    /// </summary>
    internal ImmutableArray<Diagnostic> Diagnostics => _diagnostics ??= [.. Run.Diagnostics, .. GeneratorHarness.AnalyzerDiagnostics(Compilation)];

    internal IReadOnlyList<(string HintName, string Text)> Sources =>
        Run.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())).ToList();

    internal ImmutableArray<Diagnostic> CompilerErrors =>
        Compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
}
