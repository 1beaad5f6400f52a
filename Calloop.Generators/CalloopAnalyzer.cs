using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Calloop.Generators.Diagnostics;
using Calloop.Generators.Model;
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
            // CLP0015: the handler types parsed, and the types whose insertion method is called (or referenced)
            // somewhere; compared once the whole compilation is analyzed.
            var handlerTypes = new ConcurrentDictionary<INamedTypeSymbol, InsertMethodModel>(SymbolEqualityComparer.Default);
            var inserted = new ConcurrentDictionary<INamedTypeSymbol, bool>(SymbolEqualityComparer.Default);
            start.RegisterSymbolAction(symbol => AnalyzeType(symbol, known, handlerTypes), SymbolKind.NamedType);
            start.RegisterOperationAction(AnalyzeLocalFunction, OperationKind.LocalFunction);
            start.RegisterOperationAction(
                operation => RecordInsertion(operation, known, inserted),
                OperationKind.Invocation,
                OperationKind.MethodReference);
            start.RegisterCompilationEndAction(end => ReportForgottenInsertions(end, handlerTypes, inserted));
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KnownTypes known, ConcurrentDictionary<INamedTypeSymbol, InsertMethodModel> handlerTypes)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        bool composite = IsComposite(type);
        if (!composite && !HasHandlers(type))
        {
            return;
        }
        var diagnostics = new List<Diagnostic>();
        TypeModel? model = CalloopGenerator.Parser.Analyze(type, composite, context.Compilation, known, diagnostics, context.CancellationToken);
        if (model?.InsertMethod is { } insertMethod && model.Handlers.Count > 0)
        {
            handlerTypes[type] = insertMethod;
        }
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

    /// <summary>Records a call of (or a reference to) a method of type T whose one parameter is a <c>LoopHandle&lt;T&gt;</c>.</summary>
    private static void RecordInsertion(OperationAnalysisContext context, KnownTypes known, ConcurrentDictionary<INamedTypeSymbol, bool> inserted)
    {
        IMethodSymbol? method = context.Operation switch
        {
            IInvocationOperation invocation => invocation.TargetMethod,
            IMethodReferenceOperation reference => reference.Method,
            _ => null,
        };
        if (method is { Parameters.Length: 1, ContainingType: { } type }
            && method.Parameters[0].Type is INamedTypeSymbol { TypeArguments.Length: 1 } handle
            && SymbolEqualityComparer.Default.Equals(handle.OriginalDefinition, known.LoopHandle)
            && SymbolEqualityComparer.Default.Equals(handle.TypeArguments[0].OriginalDefinition, type.OriginalDefinition))
        {
            inserted[type.OriginalDefinition] = true;
        }
    }

    /// <summary>
    /// CLP0015: a type with handlers whose insertion method is never called in the compilation, so its sources never
    /// run. A library whose insertion method other assemblies can call is left alone: they may call it.
    /// </summary>
    private static void ReportForgottenInsertions(
        CompilationAnalysisContext context,
        ConcurrentDictionary<INamedTypeSymbol, InsertMethodModel> handlerTypes,
        ConcurrentDictionary<INamedTypeSymbol, bool> inserted)
    {
        bool library = context.Compilation.Options.OutputKind is OutputKind.DynamicallyLinkedLibrary or OutputKind.NetModule or OutputKind.WindowsRuntimeMetadata;
        var forgotten = new List<KeyValuePair<INamedTypeSymbol, InsertMethodModel>>();
        foreach (KeyValuePair<INamedTypeSymbol, InsertMethodModel> entry in handlerTypes)
        {
            if (!inserted.ContainsKey(entry.Key) && !(library && IsVisibleOutside(entry.Key, entry.Value)))
            {
                forgotten.Add(entry);
            }
        }
        // Deterministic order, whatever the order the types were analyzed in.
        forgotten.Sort(static (left, right) => string.CompareOrdinal(left.Key.ToDisplayString(), right.Key.ToDisplayString()));
        foreach (KeyValuePair<INamedTypeSymbol, InsertMethodModel> entry in forgotten)
        {
            INamedTypeSymbol type = entry.Key;
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.ForgottenInsertion,
                type.Locations.Length > 0 ? type.Locations[0] : Location.None,
                type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                entry.Value.Name.TrimStart('@')));
        }
    }

    private static bool IsVisibleOutside(INamedTypeSymbol type, InsertMethodModel insertMethod)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }
        string modifiers = " " + insertMethod.Modifiers + " ";
        return modifiers.Contains(" public ") || (modifiers.Contains(" protected ") && !modifiers.Contains(" private "));
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
