using Calloop.Generators.Emit;
using Calloop.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Calloop.Generators;

/// <summary>
/// Wires event sources to <c>[OnEvent]</c> handler methods at compile time: an <c>InsertSources</c> method for a
/// loop's shared data type, and the whole <c>IEventSource</c> implementation of an <c>[EventSource]</c> composite.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class CalloopGenerator : IIncrementalGenerator
{
    internal const string OnEventAttributeName = "Calloop.OnEventAttribute";
    internal const string EventSourceAttributeName = "Calloop.EventSourceAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Use 1: the first [OnEvent] method of a type parses that type (unless it is a composite, parsed on its own);
        // the type's other handlers give nothing. One parse per type, whatever its number of handlers.
        IncrementalValuesProvider<TypeModel> handlerModels = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                OnEventAttributeName,
                static (node, _) => node is MethodDeclarationSyntax,
                static (context, cancellationToken) => Parser.ParseHandlerMethod(context, cancellationToken))
            .WithTrackingName(TrackingNames.HandlerMethods)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Models + ".handlers");

        // Use 2: every [EventSource] class.
        IncrementalValuesProvider<TypeModel> compositeModels = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                EventSourceAttributeName,
                // Records too: a record class is parsed like a class (and a record struct is reported, like a struct).
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (context, cancellationToken) => Parser.ParseComposite(context, cancellationToken))
            .WithTrackingName(TrackingNames.Composites)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Models + ".composites");

        // Diagnostics are the analyzer's (CalloopAnalyzer, which runs this parser too): the generator only emits, so
        // its output depends on nothing but the models.

        // Roslyn compares hint names ignoring case: the file names that collide so get a suffix. Only the names are
        // collected, so editing a handler leaves this step (and every other type's output) unchanged.
        IncrementalValueProvider<EquatableArray<string>> caseCollisions = handlerModels
            .Select(static (model, _) => model.FileName)
            .Collect()
            .Combine(compositeModels.Select(static (model, _) => model.FileName).Collect())
            .Select(static (names, _) => HintNames.CaseCollisions(names.Left, names.Right))
            .WithTrackingName(TrackingNames.CaseCollisions);

        context.RegisterSourceOutput(handlerModels.Combine(caseCollisions), static (context, pair) => Emitter.Emit(context, pair.Left, pair.Right));
        context.RegisterSourceOutput(compositeModels.Combine(caseCollisions), static (context, pair) => Emitter.Emit(context, pair.Left, pair.Right));
    }
}
