using System;

namespace Calloop;

/// <summary>
/// Marks a method as the handler of the event source held by the field or property named <see cref="Source"/>
/// of the same type. The Calloop source generator wires the source to the method with a direct call.
/// </summary>
/// <remarks>
/// <para>
/// In a class used as a loop's shared data, the generator writes an <c>InsertSources(LoopHandle&lt;T&gt;)</c>
/// method that inserts every handled source. In an <see cref="EventSourceAttribute"/> class (a composite source),
/// the generator routes the inner source's events to the method.
/// </para>
/// <para>
/// The handler takes the source's event, then optionally <c>ref</c> its metadata, then optionally <c>ref</c> the
/// shared data (loop data classes) or <c>ref TEmit</c> (composites, to raise the composite's own events), and
/// returns what the source's callbacks return (<c>void</c> when that is <see cref="Unit"/>).
/// </para>
/// </remarks>
/// <example><code>
/// [OnEvent(nameof(_tick))]
/// private TimeoutAction OnTick(Instant deadline) => TimeoutAction.ToDuration(TimeSpan.FromSeconds(1));
/// </code></example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class OnEventAttribute : Attribute
{
    /// <summary>Marks a handler of the source held by the member named <paramref name="source"/>.</summary>
    /// <param name="source">The name of the field or property holding the source (use <c>nameof</c>).</param>
    public OnEventAttribute(string source) => Source = source;

    /// <summary>The name of the field or property holding the handled source.</summary>
    public string Source { get; }
}
