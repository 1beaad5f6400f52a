using Calloop.CompilerServices;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// Implemented by the built-in sources, whose exact types are known: creates the entry that calls the source
/// directly (<see cref="DirectSourceEntry{TData, TEvent, TMetadata, TReturn, THandler, TInvoker}"/>).
/// </summary>
internal interface IDirectSource<TEvent, TMetadata, TReturn>
{
    SourceEntry<TData> CreateEntry<TData, THandler>(THandler handler)
        where THandler : IEventHandler<TEvent, TMetadata, TData, TReturn>;
}

/// <summary>Calls one source's <c>ProcessEvents</c> on its exact type.</summary>
internal interface ISourceInvoker<TEvent, TMetadata, TReturn>
{
    IEventSource Source { get; }

    PostAction Process<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<TEvent, TMetadata, TReturn>, allows ref struct;
}

/// <summary>Direct calls into a <see cref="TimerSource"/>.</summary>
internal readonly struct TimerInvoker(TimerSource timer) : ISourceInvoker<Instant, Unit, TimeoutAction>
{
    public IEventSource Source => timer;

    public PostAction Process<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<Instant, Unit, TimeoutAction>, allows ref struct
        => timer.ProcessEvents(readiness, token, ref callback);
}

/// <summary>Direct calls into a <see cref="PingSource"/>.</summary>
internal readonly struct PingInvoker(PingSource source) : ISourceInvoker<Unit, Unit, Unit>
{
    public IEventSource Source => source;

    public PostAction Process<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct
        => source.ProcessEvents(readiness, token, ref callback);
}

/// <summary>Direct calls into a <see cref="Generic{T}"/>.</summary>
internal readonly struct GenericInvoker<T>(Generic<T> source) : ISourceInvoker<Readiness, T, PostAction>
    where T : notnull
{
    public IEventSource Source => source;

    public PostAction Process<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<Readiness, T, PostAction>, allows ref struct
        => source.ProcessEvents(readiness, token, ref callback);
}
