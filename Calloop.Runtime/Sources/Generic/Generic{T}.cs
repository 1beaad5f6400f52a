using System;
using System.Runtime.InteropServices;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// An event source over one file descriptor. Its event is the <see cref="Readiness"/>; its metadata is the wrapped
/// object (a copy of the reference: the callback can use it but not swap it); its callback returns a
/// <see cref="PostAction"/>. Create it with <see cref="Generic.From(System.Net.Sockets.Socket, Interest, Mode, bool)"/>
/// and its overloads.
/// </summary>
/// <typeparam name="T">The wrapped object: a <see cref="SafeHandle"/>, a socket, or a <see cref="FileDescriptor"/>.</typeparam>
public sealed class Generic<T> : IEventSource<Readiness, T, PostAction>, IDirectSource<Readiness, T, PostAction>, IDisposable, IOwnedSource
    where T : notnull
{
    private object? _owner;

    private readonly T _file;
    private readonly SafeHandle? _handle;
    private readonly bool _leaveOpen;
    private Poll? _poll;
    private Token _token;
    private bool _disposed;

    internal Generic(T file, SafeHandle handle, Interest interest, Mode mode, bool leaveOpen)
    {
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        bool added = false;
        handle.DangerousAddRef(ref added);
        _file = file;
        _handle = handle;
        _leaveOpen = leaveOpen;
        Fd = (int)handle.DangerousGetHandle().ToInt64();
        Interest = interest;
        Mode = mode;
    }

    internal Generic(T file, int fd, Interest interest, Mode mode, bool leaveOpen = true)
    {
        _file = file;
        _leaveOpen = leaveOpen;
        Fd = fd;
        Interest = interest;
        Mode = mode;
    }

    /// <summary>The wrapped object.</summary>
    public T File => _file;

    /// <summary>The watched descriptor.</summary>
    public int Fd { get; }

    /// <summary>What readiness to watch for; after changing it in a loop, call <see cref="LoopHandle{TData}.Update"/>.</summary>
    public Interest Interest { get; set; }

    /// <summary>How readiness is reported; after changing it in a loop, call <see cref="LoopHandle{TData}.Update"/>.</summary>
    public Mode Mode { get; set; }

    SourceEntry<TData> IDirectSource<Readiness, T, PostAction>.CreateEntry<TData, THandler>(THandler handler) =>
        new DirectSourceEntry<TData, Readiness, T, PostAction, THandler, GenericInvoker<T>>(new GenericInvoker<T>(this), handler);

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Token token = tokenFactory.NextToken();
        poll.Register(Fd, Interest, Mode, token);
        _token = token;
        _poll = poll;
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_poll is null)
        {
            Register(poll, ref tokenFactory);
            return;
        }
        Token token = tokenFactory.NextToken();
        poll.Reregister(Fd, Interest, Mode, token);
        _token = token;
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        if (_poll is not null)
        {
            _poll = null;
            poll.TryUnregister(Fd, _token);
        }
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<Readiness, T, PostAction>, allows ref struct
    {
        if (token != _token || _poll is null)
        {
            return PostAction.Continue;
        }
        T file = _file;
        return callback.Invoke(readiness, ref file);
    }

    /// <summary>
    /// Unregisters the descriptor if it is still registered, lets the wrapped handle close, and disposes the wrapped
    /// object unless the source was created with <c>leaveOpen</c>. Harmless when repeated.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            if (_poll is not null)
            {
                Unregister(_poll);
            }
        }
        catch (CalloopException)
        {
            // The poller is gone or no longer knows the descriptor: nothing is left registered.
        }
        finally
        {
            _handle?.DangerousRelease();
            if (!_leaveOpen)
            {
                (_file as IDisposable)?.Dispose();
            }
        }
    }

    ref object? IOwnedSource.Owner => ref _owner;
}
