using Calloop.Sources;

namespace Calloop;

/// <summary>Creates <see cref="TransientSource{TSource, TEvent, TMetadata, TReturn}"/>s with the type arguments inferred.</summary>
public static class TransientSource
{
    /// <summary>
    /// Wraps <paramref name="source"/> behind its interface, so that the event, metadata and return types are
    /// inferred. Use <c>new TransientSource&lt;TSource, TEvent, TMetadata, TReturn&gt;(source)</c> to keep the
    /// concrete source type (direct calls, and <see cref="TransientSource{TSource, TEvent, TMetadata, TReturn}.Map"/>
    /// sees the concrete type).
    /// </summary>
    public static TransientSource<IEventSource<TEvent, TMetadata, TReturn>, TEvent, TMetadata, TReturn> From<TEvent, TMetadata, TReturn>(
        IEventSource<TEvent, TMetadata, TReturn> source) => new(source);
}
