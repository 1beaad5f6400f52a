using System;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// Wraps a source that may go away while the wrapper stays registered, typically a child of a composite source
/// (a channel whose senders may all be dropped, a connection that may be replaced). The wrapper forwards
/// registration and events; when the inner source asks to be disabled or removed, the wrapper answers
/// <see cref="PostAction.Reregister"/> and carries the request out when it is re-registered: a removed inner
/// source is unregistered and disposed, and the wrapper then stays empty (<see cref="IsNone"/>).
/// </summary>
/// <remarks>
/// <see cref="IEventSource{TEvent, TMetadata, TReturn}.ProcessEvents"/> of the wrapper only ever returns
/// <see cref="PostAction.Continue"/> or <see cref="PostAction.Reregister"/>. <see cref="Remove"/>,
/// <see cref="Replace"/> and <see cref="Enable"/> take effect at the wrapper's next re-registration: return
/// <see cref="PostAction.Reregister"/> from the enclosing source or call <see cref="LoopHandle{TData}.Update"/>.
/// Disposing the wrapper disposes the inner source (the loop does so when it removes the wrapper).
/// </remarks>
/// <typeparam name="TSource">The wrapped source.</typeparam>
/// <typeparam name="TEvent">Its event type.</typeparam>
/// <typeparam name="TMetadata">Its metadata type.</typeparam>
/// <typeparam name="TReturn">What its callback returns.</typeparam>
public sealed class TransientSource<TSource, TEvent, TMetadata, TReturn> : IEventSource<TEvent, TMetadata, TReturn>, IDisposable
    where TSource : class, IEventSource<TEvent, TMetadata, TReturn>
{
    private TSource? _source;
    private TransientState _state;

    // A replaced source that may still be registered: unregistered, then disposed, at the next (re/un)registration.
    private TSource? _old;
    private bool _disposed;

    /// <summary>Wraps <paramref name="source"/>, which is registered when the wrapper is.</summary>
    public TransientSource(TSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _state = TransientState.Register;
    }

    /// <summary>True once the inner source was removed and disposed (or never replaced after removal).</summary>
    public bool IsNone => _source is null;

    /// <summary>
    /// Calls <paramref name="action"/> with the inner source, even when it is disabled or about to be removed.
    /// </summary>
    /// <returns>False, without calling <paramref name="action"/>, when there is no inner source any more.</returns>
    public bool Map(Action<TSource> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (_source is null)
        {
            return false;
        }
        action(_source);
        return true;
    }

    /// <summary>Applies <paramref name="func"/> to the inner source, if there is one.</summary>
    /// <returns>False, with <paramref name="result"/> set to its default, when there is no inner source any more.</returns>
    public bool TryMap<TResult>(Func<TSource, TResult> func, out TResult result)
    {
        ArgumentNullException.ThrowIfNull(func);
        if (_source is null)
        {
            result = default!;
            return false;
        }
        result = func(_source);
        return true;
    }

    /// <summary>Asks for the inner source to be unregistered and disposed at the wrapper's next re-registration.</summary>
    public void Remove()
    {
        switch (_state)
        {
            case TransientState.None:
                return;
            case TransientState.Register:
                // Never registered (or already unregistered): nothing to undo with the poller.
                Dispose(_source);
                _source = null;
                _state = TransientState.None;
                return;
            default:
                _state = TransientState.Remove;
                return;
        }
    }

    /// <summary>
    /// Puts <paramref name="source"/> in place of the inner source (or into an empty wrapper). At the wrapper's next
    /// re-registration the old source is unregistered, then disposed, and the new one registered.
    /// </summary>
    public void Replace(TSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (ReferenceEquals(source, _source))
        {
            return;
        }
        if (_state is TransientState.Register or TransientState.None)
        {
            // The current source is not registered: it can go at once.
            Dispose(_source);
        }
        else
        {
            _old = _source;
        }
        _source = source;
        _state = TransientState.Register;
    }

    /// <summary>Asks for an inner source that disabled itself to be registered again at the wrapper's next re-registration.</summary>
    public void Enable()
    {
        if (_state == TransientState.Disable)
        {
            _state = TransientState.Register;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The wrapper was disposed.</exception>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        FlushOld(poll);
        switch (_state)
        {
            case TransientState.Keep:
                _source!.Register(poll, ref tokenFactory);
                break;
            case TransientState.Register:
            case TransientState.Disable:
                _source!.Register(poll, ref tokenFactory);
                _state = TransientState.Keep;
                break;
            case TransientState.Remove:
                DropCurrent(poll);
                break;
        }
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        FlushOld(poll);
        switch (_state)
        {
            case TransientState.Keep:
                _source!.Reregister(poll, ref tokenFactory);
                break;
            case TransientState.Register:
                _source!.Register(poll, ref tokenFactory);
                _state = TransientState.Keep;
                break;
            case TransientState.Disable:
                _source!.Unregister(poll);
                break;
            case TransientState.Remove:
                DropCurrent(poll);
                break;
        }
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        FlushOld(poll);
        switch (_state)
        {
            case TransientState.Keep:
            case TransientState.Register:
            case TransientState.Disable:
                _source!.Unregister(poll);
                break;
            case TransientState.Remove:
                DropCurrent(poll);
                break;
        }
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<TEvent, TMetadata, TReturn>, allows ref struct
    {
        if (_state != TransientState.Keep)
        {
            return PostAction.Continue;
        }
        switch (PostActionExtensions.Normalize(_source!.ProcessEvents(readiness, token, ref callback)))
        {
            case PostAction.Continue:
                return PostAction.Continue;
            case PostAction.Disable:
                _state = TransientState.Disable;
                return PostAction.Reregister;
            case PostAction.Remove:
                _state = TransientState.Remove;
                return PostAction.Reregister;
            default:
                return PostAction.Reregister;
        }
    }

    /// <summary>Disposes the inner source (and a replaced one not yet dropped). Harmless when repeated.</summary>
    public void Dispose()
    {
        _disposed = true;
        TSource? old = _old;
        TSource? current = _source;
        _old = null;
        _source = null;
        _state = TransientState.None;
        try
        {
            Dispose(old);
        }
        finally
        {
            Dispose(current);
        }
    }

    private void FlushOld(Poll poll)
    {
        if (_old is TSource old)
        {
            _old = null;
            try
            {
                old.Unregister(poll);
            }
            finally
            {
                Dispose(old);
            }
        }
    }

    private void DropCurrent(Poll poll)
    {
        TSource source = _source!;
        _source = null;
        _state = TransientState.None;
        try
        {
            source.Unregister(poll);
        }
        finally
        {
            Dispose(source);
        }
    }

    private static void Dispose(TSource? source) => (source as IDisposable)?.Dispose();
}
