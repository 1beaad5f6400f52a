using System;
using Calloop.Interop;

namespace Calloop;

/// <summary>
/// The receiving side of a <see cref="Ping"/>: an event source whose event is <see cref="Unit"/>, delivered once
/// per dispatch in which pings arrived. It removes itself once every sender is disposed (after delivering a
/// ping that was still pending).
/// </summary>
public sealed class PingSource : IEventSource<Unit, Unit, Unit>, IDirectSource<Unit, Unit, Unit>, IDisposable
{
    private readonly PingState _state;
    private Token _token;
    private bool _registered;
    private bool _disposed;

    internal PingSource(PingState state) => _state = state;

    SourceEntry<TData> IDirectSource<Unit, Unit, Unit>.CreateEntry<TData, THandler>(THandler handler) =>
        new DirectSourceEntry<TData, Unit, Unit, Unit, THandler, PingInvoker>(new PingInvoker(this), handler);

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Token token = tokenFactory.NextToken();
        poll.Register(_state.Fd.Fd, Interest.Readable, Mode.Level, token);
        _token = token;
        _registered = true;
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Token token = tokenFactory.NextToken();
        poll.Reregister(_state.Fd.Fd, Interest.Readable, Mode.Level, token);
        _token = token;
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        if (_registered)
        {
            _registered = false;
            poll.Unregister(_state.Fd.Fd);
        }
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct
    {
        if (token != _token || !_registered)
        {
            return PostAction.Continue;
        }
        if (!Libc.ReadCounter(_state.Fd.Fd, out ulong counter, "read (ping eventfd)"))
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

    /// <summary>Releases the source's share of the eventfd. Harmless when repeated.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _state.Release();
        }
    }
}
