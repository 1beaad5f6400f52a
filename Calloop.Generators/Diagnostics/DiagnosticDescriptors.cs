using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Calloop.Generators.Diagnostics;

/// <summary>Every diagnostic the Calloop generator reports. IDs are stable; each has a page under docs/diagnostics/.</summary>
internal static class DiagnosticDescriptors
{
    /// <summary>The project's repository: the one place its address is written.</summary>
    public const string RepositoryUrl = "https://github.com/calloop-dotnet/calloop-dotnet";

    /// <summary>Where the help pages live: each diagnostic's help link is this followed by <c>CLPxxxx.md</c>.</summary>
    public const string HelpLinkBase = RepositoryUrl + "/blob/main/docs/diagnostics/";

    private const string Category = "Calloop.Generator";

    public static readonly DiagnosticDescriptor TypeNotPartial = Create(
        DiagnosticIds.TypeNotPartial,
        "Type must be partial",
        "The type '{0}' must be partial: the Calloop generator adds members to it",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor MissingSourceMember = Create(
        DiagnosticIds.MissingSourceMember,
        "[OnEvent] names a missing member",
        "The handler '{0}' names '{1}', which is not a field or property of '{2}'",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NotAnEventSource = Create(
        DiagnosticIds.NotAnEventSource,
        "[OnEvent] names a member that is not an event source",
        "The member '{0}' handled by '{1}' is not an event source: its type '{2}' does not implement IEventSource<TEvent, TMetadata, TReturn>",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor HandlerSignatureMismatch = Create(
        DiagnosticIds.HandlerSignatureMismatch,
        "Handler signature does not match its source",
        "The handler '{0}' does not match the source '{1}': expected '{2}'",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor DuplicateHandler = Create(
        DiagnosticIds.DuplicateHandler,
        "Two handlers for one source",
        "The source '{0}' already has the handler '{1}': '{2}' is a second one",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor SourceWithoutHandler = Create(
        DiagnosticIds.SourceWithoutHandler,
        "Event source without a handler",
        "The event source '{0}' of '{1}' has no [OnEvent] handler, so the generated code leaves it out",
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor CompositeWithoutInterface = Create(
        DiagnosticIds.CompositeWithoutInterface,
        "[EventSource] class does not declare its event types",
        "The [EventSource] class '{0}' must list exactly one IEventSource<TEvent, TMetadata, TReturn> among its base types",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedType = Create(
        DiagnosticIds.UnsupportedType,
        "Type cannot hold event handlers",
        "The type '{0}' cannot hold [OnEvent] handlers: {1}",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InaccessibleSource = Create(
        DiagnosticIds.InaccessibleSource,
        "Event source member cannot be read",
        "The member '{0}' handled by '{1}' cannot be read from '{2}': {3}",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor HandlerNotAMethod = Create(
        DiagnosticIds.HandlerNotAMethod,
        "[OnEvent] is not on a method of a type",
        "'{0}' is a local function: an [OnEvent] handler must be a method of the type that holds its source",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ExplicitInterfaceHandler = Create(
        DiagnosticIds.ExplicitInterfaceHandler,
        "[OnEvent] handler is an explicit interface implementation",
        "The handler '{0}' of '{1}' is an explicit interface implementation, which generated code cannot call by name: make the handler an ordinary method",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ExplicitInterfaceSource = Create(
        DiagnosticIds.ExplicitInterfaceSource,
        "Event source member is an explicit interface implementation",
        "The source '{0}' handled by '{1}' is an explicit interface implementation, which generated code cannot read by name: hold the source in a field or an ordinary property",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor GeneratedNameTaken = Create(
        DiagnosticIds.GeneratedNameTaken,
        "A member has the name of a generated member",
        "'{0}' of '{1}' has the name the generator gives its insertion method or struct of tokens: rename it, or declare the insertion method yourself (a partial method) with names of your own",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidInsertMethod = Create(
        DiagnosticIds.InvalidInsertMethod,
        "Declared insertion method cannot be generated",
        "The insertion method '{0}' cannot be generated: {1}",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ForgottenInsertion = Create(
        DiagnosticIds.ForgottenInsertion,
        "The sources of a type with handlers are never inserted",
        "'{1}' of '{0}' is never called, so the sources its [OnEvent] methods handle never reach a loop: call it once the loop exists",
        DiagnosticSeverity.Warning,
        WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>Every descriptor, for the analyzer's supported diagnostics.</summary>
    public static ImmutableArray<DiagnosticDescriptor> All { get; } =
    [
        TypeNotPartial,
        MissingSourceMember,
        NotAnEventSource,
        HandlerSignatureMismatch,
        DuplicateHandler,
        SourceWithoutHandler,
        CompositeWithoutInterface,
        UnsupportedType,
        InaccessibleSource,
        HandlerNotAMethod,
        ExplicitInterfaceHandler,
        ExplicitInterfaceSource,
        GeneratedNameTaken,
        InvalidInsertMethod,
        ForgottenInsertion,
    ];

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity, params string[] customTags) =>
        new(id, title, message, Category, severity, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md", customTags: customTags);
}
