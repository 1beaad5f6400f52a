namespace Calloop.Generators.Model;

/// <summary>
/// One source wired to its handler method.
/// </summary>
/// <param name="MemberName">The field or property name as written in code (escaped with <c>@</c> when a keyword).</param>
/// <param name="Identifier">The member name usable inside generated type names.</param>
/// <param name="Access">The expression reading the source (<c>this._tick</c> or <c>global::N.T._tick</c>).</param>
/// <param name="EventType">The source's event type, fully qualified.</param>
/// <param name="MetadataType">The source's metadata type, fully qualified.</param>
/// <param name="ReturnType">The source's callback return type, fully qualified.</param>
/// <param name="HandlerName">The handler method's name (escaped).</param>
/// <param name="HandlerIsStatic">True to call the handler on the type instead of the instance.</param>
/// <param name="HandlerReturnsVoid">True when the handler returns nothing (the source returns <c>Unit</c>).</param>
/// <param name="PassMetadata">True when the handler takes <c>ref</c> metadata.</param>
/// <param name="PassData">True when the handler takes <c>ref</c> shared data (loop data classes).</param>
/// <param name="PassEmit">True when the handler takes <c>ref TEmit</c> (composites).</param>
/// <param name="Dispose">How a composite disposes this source.</param>
/// <param name="CallThroughInterface">True when the source implements <c>IEventSource</c> explicitly.</param>
/// <param name="TokenName">The name of the source's property in the generated struct of tokens (loop data types).</param>
internal sealed record HandlerModel(
    string MemberName,
    string Identifier,
    string Access,
    string EventType,
    string MetadataType,
    string ReturnType,
    string HandlerName,
    bool HandlerIsStatic,
    bool HandlerReturnsVoid,
    bool PassMetadata,
    bool PassData,
    bool PassEmit,
    DisposeKind Dispose,
    bool CallThroughInterface,
    string TokenName = "");
