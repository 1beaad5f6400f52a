using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Calloop.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Calloop.CodeFixes;

/// <summary>
/// Fixes CLP0001 (a type the generator extends is not partial): adds <c>partial</c> to the type declaration the
/// diagnostic points at and to every declaration it is nested in that lacks it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeTypePartialCodeFixProvider))]
[Shared]
public sealed class MakeTypePartialCodeFixProvider : CodeFixProvider
{
    /// <summary>The title of the code action, as an editor shows it.</summary>
    public const string Title = "Make the type and its containing types partial";

    private const string EquivalenceKey = DiagnosticIds.TypeNotPartial + ".MakePartial";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.TypeNotPartial);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (FindDeclaration(root, diagnostic.Location.SourceSpan) is null)
            {
                continue;
            }
            Document document = context.Document;
            TextSpan span = diagnostic.Location.SourceSpan;
            context.RegisterCodeFix(
                CodeAction.Create(Title, cancellationToken => MakePartialAsync(document, span, cancellationToken), EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The type declaration whose name the diagnostic points at.</summary>
    private static TypeDeclarationSyntax? FindDeclaration(SyntaxNode root, TextSpan span)
    {
        if (!root.FullSpan.Contains(span))
        {
            return null;
        }
        SyntaxToken token = root.FindToken(span.Start);
        return token.Parent is TypeDeclarationSyntax declaration && declaration.Identifier == token ? declaration : null;
    }

    private static async Task<Document> MakePartialAsync(Document document, TextSpan span, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        TypeDeclarationSyntax? declaration = root is null ? null : FindDeclaration(root, span);
        if (root is null || declaration is null)
        {
            return document;
        }
        var toFix = new List<TypeDeclarationSyntax>();
        for (SyntaxNode? node = declaration; node is not null; node = node.Parent)
        {
            if (node is TypeDeclarationSyntax type && !IsPartial(type))
            {
                toFix.Add(type);
            }
        }
        SyntaxNode fixedRoot = root.ReplaceNodes(toFix, (_, rewritten) => AddPartial(rewritten));
        return document.WithSyntaxRoot(fixedRoot);
    }

    private static bool IsPartial(TypeDeclarationSyntax declaration)
    {
        foreach (SyntaxToken modifier in declaration.Modifiers)
        {
            if (modifier.IsKind(SyntaxKind.PartialKeyword))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Appends <c>partial</c> to the modifiers, which puts it right before the <c>class</c>/<c>struct</c>/<c>record</c>/
    /// <c>interface</c> keyword, where C# requires it. Without modifiers, the keyword's leading trivia (indentation,
    /// comments) moves to the new token so the layout is kept.
    /// </summary>
    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax declaration)
    {
        SyntaxToken partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (declaration.Modifiers.Count == 0)
        {
            SyntaxToken keyword = declaration.Keyword;
            return declaration
                .WithKeyword(keyword.WithLeadingTrivia(SyntaxTriviaList.Empty))
                .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
        }
        return declaration.WithModifiers(declaration.Modifiers.Add(partial));
    }
}
