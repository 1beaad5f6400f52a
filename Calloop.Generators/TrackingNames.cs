namespace Calloop.Generators;

/// <summary>The names of the generator's pipeline steps, for incremental-caching tests.</summary>
public static class TrackingNames
{
    /// <summary>Each <c>[OnEvent]</c> method: the first of its type parses the type, the others give nothing.</summary>
    public const string HandlerMethods = nameof(HandlerMethods);

    /// <summary>Each <c>[EventSource]</c> class, parsed.</summary>
    public const string Composites = nameof(Composites);

    /// <summary>The models to emit; the steps are named <c>Models.handlers</c> and <c>Models.composites</c>.</summary>
    public const string Models = nameof(Models);

    /// <summary>The generated files' names that equal another one ignoring case, and so get a suffix.</summary>
    public const string CaseCollisions = nameof(CaseCollisions);
}
