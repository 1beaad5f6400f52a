using System.Collections.Generic;
using System.Collections.Immutable;
using Calloop.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Calloop.Generators;

/// <summary>
/// Reports the mistakes the generator cannot generate code for. It runs the generator's own parser over each type with
/// <c>[OnEvent]</c> handlers or <c>[EventSource]</c>, so the two always agree; reported from an analyzer, the
/// diagnostics sit at source locations, where <c>#pragma warning</c>, <c>[SuppressMessage]</c> and
/// <c>.editorconfig</c> severities apply, and the generator's output does not depend on them.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CalloopAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.All;

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (KnownTypes.Resolve(start.Compilation) is not { } known)
            {
                return;
            }
            start.RegisterSymbolAction(symbol => AnalyzeType(symbol, known), SymbolKind.NamedType);
            start.RegisterOperationAction(AnalyzeLocalFunction, OperationKind.LocalFunction);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KnownTypes known)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        bool composite = IsComposite(type);
        if (!composite && !HasHandlers(type))
        {
            return;
        }
        var diagnostics = new List<Diagnostic>();
        CalloopGenerator.Parser.Analyze(type, composite, context.Compilation, known, diagnostics, context.CancellationToken);
        foreach (Diagnostic diagnostic in diagnostics)
        {
            context.ReportDiagnostic(diagnostic);
        }
    }

    /// <summary>An <c>[EventSource]</c> class or record, as the generator finds them.</summary>
    private static bool IsComposite(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Class && !type.IsRecord)
        {
            return false;
        }
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == CalloopGenerator.EventSourceAttributeName)
            {
                return true;
            }
        }
        return false;
    }

    private static bool HasHandlers(INamedTypeSymbol type)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            if (member is IMethodSymbol method && CalloopGenerator.Parser.HasOnEvent(method))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>CLP0010: <c>[OnEvent]</c> on a local function, which no generated code can call.</summary>
    private static void AnalyzeLocalFunction(OperationAnalysisContext context)
    {
        IMethodSymbol function = ((ILocalFunctionOperation)context.Operation).Symbol;
        if (CalloopGenerator.Parser.HasOnEvent(function) && function.Locations.Length > 0)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.HandlerNotAMethod, function.Locations[0], function.Name));
        }
    }
}
