using Calloop.CompilerServices;
using Calloop.Sources;

namespace Calloop;

/// <summary>A source in the loop together with its callback, erased to the loop's data type.</summary>
internal abstract class SourceEntry<TData>
{
    internal abstract IEventSource Source { get; }

    internal abstract PostAction Process(Readiness readiness, Token token, ref TData data);
}

/// <summary>
/// The entry for any source: binds the shared data to the handler for the duration of one
/// <see cref="IEventSource{TEvent, TMetadata, TReturn}.ProcessEvents"/> call, with no allocation. The call goes
/// through the interface, a generic virtual method resolved at run time; the built-in sources use
/// <see cref="DirectSourceEntry{TData, TEvent, TMetadata, TReturn, THandler, TInvoker}"/> instead.
/// </summary>
internal sealed class SourceEntry<TData, TEvent, TMetadata, TReturn, THandler>(IEventSource<TEvent, TMetadata, TReturn> source, THandler handler)
    : SourceEntry<TData>
    where THandler : IEventHandler<TEvent, TMetadata, TData, TReturn>
{
    private THandler _handler = handler;

    internal override IEventSource Source => source;

    internal override PostAction Process(Readiness readiness, Token token, ref TData data)
    {
        var bound = new BoundHandler<TEvent, TMetadata, TData, TReturn, THandler>(ref data, ref _handler);
        return source.ProcessEvents(readiness, token, ref bound);
    }
}

/// <summary>
/// The entry for a built-in source: <typeparamref name="TInvoker"/> is a struct that calls the source's
/// <c>ProcessEvents</c> on its exact (sealed) type, so the call is direct and can be inlined, where the interface
/// call is a generic virtual method that the runtime resolves through a lookup on every event.
/// </summary>
internal sealed class DirectSourceEntry<TData, TEvent, TMetadata, TReturn, THandler, TInvoker>(TInvoker invoker, THandler handler)
    : SourceEntry<TData>
    where THandler : IEventHandler<TEvent, TMetadata, TData, TReturn>
    where TInvoker : struct, ISourceInvoker<TEvent, TMetadata, TReturn>
{
    private readonly TInvoker _invoker = invoker;
    private THandler _handler = handler;

    internal override IEventSource Source => _invoker.Source;

    internal override PostAction Process(Readiness readiness, Token token, ref TData data)
    {
        var bound = new BoundHandler<TEvent, TMetadata, TData, TReturn, THandler>(ref data, ref _handler);
        return _invoker.Process(readiness, token, ref bound);
    }
}

/// <summary>The callback handed to a source: the handler with the shared data bound to it by reference.</summary>
internal ref struct BoundHandler<TEvent, TMetadata, TData, TReturn, THandler>(ref TData data, ref THandler handler)
    : IEventCallback<TEvent, TMetadata, TReturn>
    where THandler : IEventHandler<TEvent, TMetadata, TData, TReturn>
{
    private ref TData _data = ref data;
    private readonly ref THandler _handler = ref handler;

    public TReturn Invoke(TEvent evt, ref TMetadata metadata) => _handler.Invoke(evt, ref metadata, ref _data);
}
