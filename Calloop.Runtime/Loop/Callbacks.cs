using Calloop.CompilerServices;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// A callback for an event source inserted with <see cref="LoopHandle{TData}.InsertSource{TEvent, TMetadata, TReturn}(IEventSource{TEvent, TMetadata, TReturn}, EventCallback{TEvent, TMetadata, TData, TReturn}, string?)"/>.
/// Parameter types need not be spelled: <c>(deadline, ref _, ref data) =&gt; TimeoutAction.Drop</c>.
/// </summary>
/// <param name="evt">The event the source produced.</param>
/// <param name="metadata">The source's metadata (for <see cref="Generic{T}"/>, the wrapped object).</param>
/// <param name="data">The shared data passed to <see cref="EventLoop{TData}.Dispatch"/>.</param>
public delegate TReturn EventCallback<TEvent, TMetadata, TData, TReturn>(TEvent evt, ref TMetadata metadata, ref TData data);

/// <summary>
/// A callback for a source whose callbacks return nothing (<see cref="Unit"/>), such as <see cref="PingSource"/>:
/// <c>(_, ref _, ref count) =&gt; count++</c>.
/// </summary>
/// <param name="evt">The event the source produced.</param>
/// <param name="metadata">The source's metadata.</param>
/// <param name="data">The shared data passed to <see cref="EventLoop{TData}.Dispatch"/>.</param>
public delegate void EventAction<TEvent, TMetadata, TData>(TEvent evt, ref TMetadata metadata, ref TData data);

/// <summary>An idle callback: runs once, after the events of a dispatch.</summary>
public delegate void IdleCallback<TData>(ref TData data);

/// <summary>The callback <see cref="EventLoop{TData}.Run"/> calls after each dispatch.</summary>
public delegate void RunCallback<TData>(ref TData data);

/// <summary>Adapts an <see cref="EventCallback{TEvent, TMetadata, TData, TReturn}"/> delegate to <see cref="IEventHandler{TEvent, TMetadata, TData, TReturn}"/>.</summary>
internal readonly struct DelegateHandler<TEvent, TMetadata, TData, TReturn>(EventCallback<TEvent, TMetadata, TData, TReturn> callback)
    : IEventHandler<TEvent, TMetadata, TData, TReturn>
{
    public TReturn Invoke(TEvent evt, ref TMetadata metadata, ref TData data) => callback(evt, ref metadata, ref data);
}

/// <summary>Adapts an <see cref="EventAction{TEvent, TMetadata, TData}"/> delegate to <see cref="IEventHandler{TEvent, TMetadata, TData, TReturn}"/>.</summary>
internal readonly struct ActionHandler<TEvent, TMetadata, TData>(EventAction<TEvent, TMetadata, TData> callback)
    : IEventHandler<TEvent, TMetadata, TData, Unit>
{
    public Unit Invoke(TEvent evt, ref TMetadata metadata, ref TData data)
    {
        callback(evt, ref metadata, ref data);
        return default;
    }
}
