namespace Calloop;

/// <summary>A source in the loop together with its callback, erased to the loop's data type.</summary>
internal abstract class SourceEntry<TData>
{
    internal abstract IEventSource Source { get; }

    internal abstract PostAction Process(Readiness readiness, Token token, ref TData data);
}

/// <summary>
/// The concrete entry: binds the shared data to the handler for the duration of one
/// <see cref="IEventSource{TEvent, TMetadata, TReturn}.ProcessEvents"/> call, with no allocation.
/// </summary>
internal sealed class SourceEntry<TData, TEvent, TMetadata, TReturn, THandler>(IEventSource<TEvent, TMetadata, TReturn> source, THandler handler)
    : SourceEntry<TData>
    where THandler : IEventHandler<TEvent, TMetadata, TData, TReturn>
{
    private THandler _handler = handler;

    internal override IEventSource Source => source;

    internal override PostAction Process(Readiness readiness, Token token, ref TData data)
    {
        var bound = new Bound(ref data, ref _handler);
        return source.ProcessEvents(readiness, token, ref bound);
    }

    private ref struct Bound(ref TData data, ref THandler handler) : IEventCallback<TEvent, TMetadata, TReturn>
    {
        private ref TData _data = ref data;
        private ref THandler _handler = ref handler;

        public TReturn Invoke(TEvent @event, ref TMetadata metadata) => _handler.Invoke(@event, ref metadata, ref _data);
    }
}
