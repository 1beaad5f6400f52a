using System;
using Calloop.Polling;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// The receiving side of a <see cref="Ping"/>: an event source whose event is <see cref="Unit"/>, delivered once
/// per dispatch in which pings arrived. It removes itself once every sender is disposed (after delivering a
/// ping that was still pending).
/// </summary>
public sealed class PingSource : IEventSource<Unit, Unit, Unit>, IDirectSource<Unit, Unit, Unit>, IDisposable, IOwnedSource
{
    private object? _owner;

    private readonly PingState _state;
    private FdRegistration _registration;
    private bool _disposed;

    internal PingSource(PingState state) => _state = state;

    SourceEntry<TData> IDirectSource<Unit, Unit, Unit>.CreateEntry<TData, THandler>(THandler handler) =>
        new DirectSourceEntry<TData, Unit, Unit, Unit, THandler, PingInvoker>(new PingInvoker(this), handler);

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.RegisterCounter(poll, ref tokenFactory, _state.Notifier);
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.Reregister(poll, ref tokenFactory, _state.Notifier.ReadFd);
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        _registration.Unregister(poll, _state.Notifier.ReadFd);
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct
    {
        if (!_registration.Owns(token))
        {
            return PostAction.Continue;
        }
        ulong counter = _registration.TakeCounter(_state.Notifier, PingState.ReadOperation);
        if (counter == 0)
        {
            return PostAction.Continue;
        }
        if (counter >= PingState.PingIncrement)
        {
            Unit metadata = default;
            callback.Invoke(default, ref metadata);
        }
        return (counter & PingState.CloseIncrement) != 0 ? PostAction.Remove : PostAction.Continue;
    }

    /// <summary>Releases the source's share of the notifier. Harmless when repeated.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _state.Release();
        }
    }

    ref object? IOwnedSource.Owner => ref _owner;
}
