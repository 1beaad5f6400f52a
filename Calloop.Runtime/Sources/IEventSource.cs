namespace Calloop.Sources;

/// <summary>
/// The part of an event source the loop drives without knowing its event type: registering its
/// descriptors and timers with the <see cref="Poll"/>, and the opt-in lifecycle hooks.
/// </summary>
public interface IEventSource
{
    /// <summary>Registers every descriptor and timer of the source, each with a token from <paramref name="tokenFactory"/>.</summary>
    void Register(Poll poll, ref TokenFactory tokenFactory);

    /// <summary>Updates the registration (interest, mode, deadline) with fresh tokens from <paramref name="tokenFactory"/>.</summary>
    void Reregister(Poll poll, ref TokenFactory tokenFactory);

    /// <summary>Removes every registration of the source. Must be harmless when the source is not registered.</summary>
    void Unregister(Poll poll);

    /// <summary>
    /// True when the source wants <see cref="BeforeSleep"/> and <see cref="BeforeHandleEvents"/> called.
    /// Read once, when the source is inserted.
    /// </summary>
    bool NeedsLifecycleEvents => false;

    /// <summary>
    /// Called before the loop waits. A source may return a synthetic event, which is dispatched to it
    /// in this dispatch without waiting (the wait's timeout becomes zero).
    /// </summary>
    PollEvent? BeforeSleep() => null;

    /// <summary>Called after the wait, before any event is dispatched, with this source's own events.</summary>
    void BeforeHandleEvents(EventIterator events)
    {
    }
}

/// <summary>
/// An event source: something the loop polls that produces events of type <typeparamref name="TEvent"/>
/// for a callback, which may also see the source's <typeparamref name="TMetadata"/> and answers with
/// <typeparamref name="TReturn"/>.
/// </summary>
/// <typeparam name="TEvent">What the callback receives.</typeparam>
/// <typeparam name="TMetadata">Extra state of the source the callback may use (for <see cref="Generic{T}"/>, the wrapped object).</typeparam>
/// <typeparam name="TReturn">What the callback returns (for timers, a <see cref="TimeoutAction"/>).</typeparam>
public interface IEventSource<TEvent, TMetadata, TReturn> : IEventSource
{
    /// <summary>
    /// Handles a readiness event carrying <paramref name="token"/>: if the token is one of this source's,
    /// turns it into zero or more events for <paramref name="callback"/>; otherwise ignores it
    /// (a composite hands every token to each child). The callback is generic so that each call is a
    /// direct call: a struct (or ref struct) callback is never boxed and never a delegate.
    /// </summary>
    PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<TEvent, TMetadata, TReturn>, allows ref struct;
}

/// <summary>The callback a source calls from <see cref="IEventSource{TEvent, TMetadata, TReturn}.ProcessEvents"/>.</summary>
public interface IEventCallback<TEvent, TMetadata, TReturn>
{
    /// <summary>Delivers one event.</summary>
    TReturn Invoke(TEvent evt, ref TMetadata metadata);
}
