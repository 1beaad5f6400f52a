using System;
using System.Collections.Immutable;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Calloop.Generators.Tests.Support;

/// <summary>
/// Runs the generator and the analyzer over a project in an <see cref="AdhocWorkspace"/>, which applies an
/// <c>.editorconfig</c> to the compilation the way a build or an editor does.
/// </summary>
internal static class WorkspaceHarness
{
    /// <summary>The analyzer's diagnostics for <paramref name="source"/> at <c>/src/App.cs</c>, with an optional <c>/src/.editorconfig</c>.</summary>
    internal static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(string source, string? editorConfig)
    {
        using var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(),
            VersionStamp.Default,
            "Calloop.EditorConfig.Test",
            "Calloop.EditorConfig.Test",
            LanguageNames.CSharp,
            compilationOptions: GeneratorHarness.CompilationOptions,
            parseOptions: GeneratorHarness.ParseOptions,
            metadataReferences: GeneratorHarness.References));
        project = project.AddDocument("App.cs", SourceText.From(source), filePath: "/src/App.cs").Project;
        if (editorConfig is not null)
        {
            project = project.AddAnalyzerConfigDocument(".editorconfig", SourceText.From(editorConfig), filePath: "/src/.editorconfig").Project;
        }
        Compilation compilation = await project.GetCompilationAsync() ?? throw new InvalidOperationException("No compilation.");
        GeneratorOutput output = GeneratorHarness.Run(compilation);
        Assert.That(output.Run.Exception, Is.Null);
        return output.Diagnostics;
    }
}
