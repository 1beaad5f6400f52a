using System;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// The loop source behind an <see cref="AsyncIo{T}"/>: keeps the descriptor registered, level-triggered, for exactly
/// the directions being awaited, and completes the waiters when the poller reports readiness. A loop that awaits the
/// same direction again from its continuation costs no <c>epoll_ctl</c>; the registration changes only when the set
/// of awaited directions does. With nothing awaited, the descriptor stays registered one-shot with no interest, so
/// that a hang-up or error is reported at most once. Its callback is never called.
/// </summary>
internal sealed class IoSource : IEventSource<Unit, Unit, Unit>, IDisposable
{
    private readonly int _fd;
    private Poll? _poll;
    private Token _token;
    private Interest? _levelInterest;
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

    private Interest Wanted =>
        (Read.IsWaiting ? Interest.Readable : Interest.None) | (Write.IsWaiting ? Interest.Writable : Interest.None);

    /// <summary>Makes the registration match the directions awaited now; an <c>epoll_ctl</c> only when they changed.</summary>
    internal void Arm()
    {
        if (_poll is null)
        {
            return;
        }
        Interest wanted = Wanted;
        if (wanted == Interest.None)
        {
            if (_levelInterest is not null)
            {
                _poll.Reregister(_fd, Interest.None, Mode.OneShot, _token);
                _levelInterest = null;
            }
        }
        else if (_levelInterest != wanted)
        {
            _poll.Reregister(_fd, wanted, Mode.Level, _token);
            _levelInterest = wanted;
        }
    }

    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Token token = tokenFactory.NextToken();
        poll.Register(_fd, Interest.None, Mode.OneShot, token);
        _token = token;
        _levelInterest = null;
        _poll = poll;
        Arm();
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
        poll.Reregister(_fd, Interest.None, Mode.OneShot, _token);
        _levelInterest = null;
        Arm();
    }

    public void Unregister(Poll poll)
    {
        if (_poll is not null)
        {
            _poll = null;
            poll.TryUnregister(_fd, _token);
        }
    }

    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<Unit, Unit, Unit>, allows ref struct
    {
        if (token != _token || _poll is null)
        {
            return PostAction.Continue;
        }
        // An error wakes both directions: the next read or write reports it.
        bool error = (readiness & Readiness.Error) != 0;
        if (error || (readiness & Readiness.Readable) != 0)
        {
            Read.Complete();
        }
        if (error || (readiness & Readiness.Writable) != 0)
        {
            Write.Complete();
        }
        // The continuations ran inline and may have started new waits; drop the interest nobody awaits any more.
        Arm();
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
