using System;

namespace Calloop;

/// <summary>
/// The loop source behind an <see cref="AsyncIo{T}"/>: registers the descriptor one-shot for exactly the directions
/// being awaited, and completes the waiters when the poller reports readiness. Its callback is never called.
/// </summary>
internal sealed class IoSource : IEventSource<Unit, Unit, Unit>, IDisposable
{
    private readonly int _fd;
    private Poll? _poll;
    private Token _token;
    private Interest _armed;
    private bool _disposed;

    internal IoSource(int fd)
    {
        _fd = fd;
        Read = new IoWaiter("Readable");
        Write = new IoWaiter("Writable");
    }

    internal IoWaiter Read { get; }

    internal IoWaiter Write { get; }

    internal bool IsDisposed => _disposed;

    /// <summary>Registers (or re-arms) the descriptor for the directions now awaited. One epoll_ctl; no allocation.</summary>
    internal void Arm()
    {
        if (_poll is null)
        {
            return;
        }
        Interest wanted = Wanted;
        _poll.Reregister(_fd, wanted, Mode.OneShot, _token);
        _armed = wanted;
    }

    private Interest Wanted =>
        (Read.IsWaiting ? Interest.Readable : Interest.None) | (Write.IsWaiting ? Interest.Writable : Interest.None);

    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Token token = tokenFactory.NextToken();
        Interest wanted = Wanted;
        poll.Register(_fd, wanted, Mode.OneShot, token);
        _token = token;
        _armed = wanted;
        _poll = poll;
    }

    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_poll is null)
        {
            Register(poll, ref tokenFactory);
            return;
        }
        _token = tokenFactory.NextToken();
        Arm();
    }

    public void Unregister(Poll poll)
    {
        if (_poll is not null)
        {
            _poll = null;
            poll.Unregister(_fd);
        }
    }

    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct
    {
        if (token != _token || _poll is null)
        {
            return PostAction.Continue;
        }
        // One-shot: the registration is disarmed now. An error wakes both directions: the next read or write reports it.
        _armed = Interest.None;
        bool error = (readiness & Readiness.Error) != 0;
        if (error || (readiness & Readiness.Readable) != 0)
        {
            Read.Complete();
        }
        if (error || (readiness & Readiness.Writable) != 0)
        {
            Write.Complete();
        }
        // Continuations ran inline and may have started new waits (each re-armed); re-arm for a wait still pending.
        if (_poll is not null && _armed == Interest.None && Wanted != Interest.None)
        {
            Arm();
        }
        return PostAction.Continue;
    }

    /// <summary>Fails the pending waits: the descriptor has left the loop. Harmless when repeated.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _poll = null;
        var error = new ObjectDisposedException(nameof(AsyncIo<int>), $"AsyncIo: fd {_fd} was removed from its event loop while a wait was pending.");
        Read.Fail(error);
        Write.Fail(error);
    }
}
