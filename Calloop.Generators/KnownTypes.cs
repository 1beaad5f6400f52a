using Microsoft.CodeAnalysis;

namespace Calloop.Generators;

/// <summary>The runtime types the parser compares symbols with, looked up once per compilation.</summary>
internal sealed class KnownTypes
{
    private KnownTypes(INamedTypeSymbol eventSource, INamedTypeSymbol eventCallback, INamedTypeSymbol unit, INamedTypeSymbol loopHandle)
    {
        EventSource = eventSource;
        EventCallback = eventCallback;
        Unit = unit;
        LoopHandle = loopHandle;
    }

    /// <summary><c>Calloop.Sources.IEventSource&lt;TEvent, TMetadata, TReturn&gt;</c>.</summary>
    public INamedTypeSymbol EventSource { get; }

    /// <summary><c>Calloop.Sources.IEventCallback&lt;TEvent, TMetadata, TReturn&gt;</c>.</summary>
    public INamedTypeSymbol EventCallback { get; }

    /// <summary><c>Calloop.Unit</c>.</summary>
    public INamedTypeSymbol Unit { get; }

    /// <summary><c>Calloop.LoopHandle&lt;TData&gt;</c>.</summary>
    public INamedTypeSymbol LoopHandle { get; }

    /// <summary>The types, or null when the compilation does not reference the Calloop runtime.</summary>
    public static KnownTypes? Resolve(Compilation compilation)
    {
        INamedTypeSymbol? eventSource = compilation.GetTypeByMetadataName("Calloop.Sources.IEventSource`3");
        INamedTypeSymbol? eventCallback = compilation.GetTypeByMetadataName("Calloop.Sources.IEventCallback`3");
        INamedTypeSymbol? unit = compilation.GetTypeByMetadataName("Calloop.Unit");
        INamedTypeSymbol? loopHandle = compilation.GetTypeByMetadataName("Calloop.LoopHandle`1");
        return eventSource is null || eventCallback is null || unit is null || loopHandle is null
            ? null
            : new KnownTypes(eventSource, eventCallback, unit, loopHandle);
    }
}
