namespace Calloop.Generators.Model;

/// <summary>
/// Everything the emitter needs for one type: a loop data class (its <c>InsertSources</c> and handler structs)
/// or a composite source (its <c>IEventSource</c> members).
/// </summary>
/// <param name="FileName">The generated file's name before any case suffix (see <c>HintNames</c>).</param>
/// <param name="Namespace">The type's namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">The types enclosing this one, outermost first.</param>
/// <param name="Declaration">This type's partial declaration.</param>
/// <param name="FullyQualifiedName">The type as written in generated code (<c>global::N.App&lt;T&gt;</c>).</param>
/// <param name="Composite">For an <c>[EventSource]</c> class, its own event types; null for a loop data class.</param>
/// <param name="GenerateDispose">True when a composite gets a generated <c>Dispose</c>.</param>
/// <param name="CallbackTypeParameter">The name of the generated <c>ProcessEvents</c> type parameter.</param>
/// <param name="Handlers">The wired sources, in declaration order of their members.</param>
/// <param name="InsertMethod">For a loop data type, its insertion method; null for a composite.</param>
internal sealed record TypeModel(
    string FileName,
    string? Namespace,
    EquatableArray<TypeDeclarationModel> ContainingTypes,
    TypeDeclarationModel Declaration,
    string FullyQualifiedName,
    CompositeModel? Composite,
    bool GenerateDispose,
    string CallbackTypeParameter,
    EquatableArray<HandlerModel> Handlers,
    InsertMethodModel? InsertMethod);
