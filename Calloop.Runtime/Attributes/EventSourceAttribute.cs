using System;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// Makes a <c>partial</c> class a composite event source: the Calloop source generator writes its
/// <see cref="IEventSource{TEvent, TMetadata, TReturn}"/> members (register, re-register and unregister every inner
/// source with its own sub-token, route each event to the inner source's <see cref="OnEventAttribute"/> handler,
/// combine the inner sources' <see cref="PostAction"/>s, forward lifecycle hooks) and, unless the class has its own,
/// a <c>Dispose</c> that disposes the inner sources.
/// </summary>
/// <remarks>
/// The class names its own event, metadata and return types by listing
/// <see cref="IEventSource{TEvent, TMetadata, TReturn}"/> among its base types. Inner sources are the fields and
/// properties whose type is an event source and that have a handler. A handler raises the composite's own events
/// through a <c>ref TEmit emit</c> parameter, where <c>TEmit : IEventCallback&lt;TEvent, TMetadata, TReturn&gt;, allows ref struct</c>.
/// </remarks>
/// <example><code>
/// [EventSource]
/// public sealed partial class Heartbeat : IEventSource&lt;int, Unit, Unit&gt;
/// {
///     private readonly TimerSource _timer = TimerSource.Immediate();
///     private int _beats;
///
///     [OnEvent(nameof(_timer))]
///     private TimeoutAction OnTimer&lt;TEmit&gt;(Instant deadline, ref TEmit emit)
///         where TEmit : IEventCallback&lt;int, Unit, Unit&gt;, allows ref struct
///     {
///         Unit none = default;
///         emit.Invoke(++_beats, ref none);
///         return TimeoutAction.ToDuration(TimeSpan.FromSeconds(1));
///     }
/// }
/// </code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class EventSourceAttribute : Attribute
{
}
