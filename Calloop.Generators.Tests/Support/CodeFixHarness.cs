using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;

namespace Calloop.Generators.Tests.Support;

/// <summary>
/// Runs a code fix the way an editor does: the source lives in an <see cref="AdhocWorkspace"/> document, the generator
/// runs over the workspace's compilation, and the fix's <see cref="ApplyChangesOperation"/> gives the changed document.
/// The generator keeps no syntax tree in its diagnostics (only a file path and a span), so, as an editor does, each
/// diagnostic is placed back into the document with that path.
/// </summary>
internal static class CodeFixHarness
{
    /// <summary>A workspace with one C# project holding one document with <paramref name="source"/>.</summary>
    internal static Document CreateDocument(string source)
    {
        var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(),
            VersionStamp.Default,
            "Calloop.CodeFix.Test",
            "Calloop.CodeFix.Test",
            LanguageNames.CSharp,
            compilationOptions: GeneratorHarness.CompilationOptions,
            parseOptions: GeneratorHarness.ParseOptions,
            metadataReferences: GeneratorHarness.References));
        return workspace.AddDocument(DocumentInfo.Create(
            DocumentId.CreateNewId(project.Id),
            "App.cs",
            loader: TextLoader.From(TextAndVersion.Create(SourceText.From(source), VersionStamp.Default)),
            filePath: "/src/App.cs"));
    }

    /// <summary>The generator's diagnostics with <paramref name="id"/> for the document's project.</summary>
    internal static async Task<ImmutableArray<Diagnostic>> CalloopDiagnosticsAsync(Document document, string id)
    {
        Compilation compilation = await document.Project.GetCompilationAsync() ?? throw new InvalidOperationException("No compilation.");
        GeneratorOutput output = GeneratorHarness.Run(compilation);
        Assert.That(output.Run.Exception, Is.Null);
        var placed = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (Diagnostic diagnostic in output.Diagnostics.Where(d => d.Id == id))
        {
            placed.Add(await PlaceAsync(document.Project, diagnostic));
        }
        return placed.ToImmutable();
    }

    /// <summary>The same diagnostic, located in the tree of the document its file path names.</summary>
    private static async Task<Diagnostic> PlaceAsync(Project project, Diagnostic diagnostic)
    {
        string path = diagnostic.Location.GetLineSpan().Path;
        Document document = project.Documents.Single(d => d.FilePath == path);
        SyntaxTree tree = await document.GetSyntaxTreeAsync() ?? throw new InvalidOperationException("No syntax tree.");
        DiagnosticDescriptor descriptor = diagnostic.Descriptor;
        return Diagnostic.Create(
            descriptor.Id,
            descriptor.Category,
            diagnostic.GetMessage(CultureInfo.InvariantCulture),
            diagnostic.Severity,
            descriptor.DefaultSeverity,
            descriptor.IsEnabledByDefault,
            diagnostic.WarningLevel,
            descriptor.Title,
            descriptor.Description,
            descriptor.HelpLinkUri,
            Location.Create(tree, diagnostic.Location.SourceSpan));
    }

    /// <summary>The code actions <paramref name="provider"/> registers for one diagnostic.</summary>
    internal static async Task<IReadOnlyList<CodeAction>> ActionsAsync(CodeFixProvider provider, Document document, Diagnostic diagnostic)
    {
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await provider.RegisterCodeFixesAsync(context);
        return actions;
    }

    /// <summary>Applies <paramref name="action"/> and returns the new version of <paramref name="document"/>.</summary>
    internal static async Task<Document> ApplyAsync(CodeAction action, Document document)
    {
        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        ApplyChangesOperation apply = operations.OfType<ApplyChangesOperation>().Single();
        return apply.ChangedSolution.GetDocument(document.Id) ?? throw new InvalidOperationException("The fix removed the document.");
    }

    /// <summary>Runs the provider's fix-all over every <paramref name="id"/> diagnostic in <paramref name="scope"/>.</summary>
    internal static async Task<Document> FixAllAsync(CodeFixProvider provider, Document document, FixAllScope scope, string id, string equivalenceKey)
    {
        FixAllProvider fixAll = provider.GetFixAllProvider() ?? throw new InvalidOperationException("The provider has no fix-all.");
        var context = new FixAllContext(
            document,
            provider,
            scope,
            equivalenceKey,
            [id],
            new GeneratorDiagnosticProvider(id),
            CancellationToken.None);
        CodeAction action = await fixAll.GetFixAsync(context) ?? throw new InvalidOperationException("Fix-all produced no action.");
        return await ApplyAsync(action, document);
    }

    /// <summary>Feeds fix-all with the generator's diagnostics.</summary>
    private sealed class GeneratorDiagnosticProvider(string id) : FixAllContext.DiagnosticProvider
    {
        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            SyntaxTree? tree = await document.GetSyntaxTreeAsync(cancellationToken);
            return (await CalloopDiagnosticsAsync(document, id)).Where(d => d.Location.SourceTree == tree);
        }

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(Enumerable.Empty<Diagnostic>());

        public override async Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken)
        {
            var all = new List<Diagnostic>();
            foreach (Document document in project.Documents)
            {
                all.AddRange(await GetDocumentDiagnosticsAsync(document, cancellationToken));
            }
            return all;
        }
    }
}
