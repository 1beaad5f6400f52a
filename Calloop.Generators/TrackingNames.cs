namespace Calloop.Generators;

/// <summary>The names of the generator's pipeline steps, for incremental-caching tests.</summary>
public static class TrackingNames
{
    /// <summary>Each <c>[OnEvent]</c> method: the first of its type parses the type, the others give nothing.</summary>
    public const string HandlerMethods = nameof(HandlerMethods);

    /// <summary>The loop data types, one each.</summary>
    public const string HandlerTypes = nameof(HandlerTypes);

    /// <summary>Each <c>[OnEvent]</c> on a local function: only a diagnostic.</summary>
    public const string MisplacedHandlers = nameof(MisplacedHandlers);

    /// <summary>Each <c>[EventSource]</c> class, parsed.</summary>
    public const string Composites = nameof(Composites);

    /// <summary>The parse results that can be emitted; the steps are named <c>WithModel.handlers</c> and <c>WithModel.composites</c>.</summary>
    public const string WithModel = nameof(WithModel);

    /// <summary>The models to emit; the steps are named <c>Models.handlers</c> and <c>Models.composites</c>.</summary>
    public const string Models = nameof(Models);

    /// <summary>The diagnostics to report; the steps are named <c>Diagnostics.handlers</c> and <c>Diagnostics.composites</c>.</summary>
    public const string Diagnostics = nameof(Diagnostics);

    /// <summary>The generated files' names that equal another one ignoring case, and so get a suffix.</summary>
    public const string CaseCollisions = nameof(CaseCollisions);
}
