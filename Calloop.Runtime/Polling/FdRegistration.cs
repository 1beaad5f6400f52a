using Calloop.Sources;

namespace Calloop.Polling;

/// <summary>
/// The registration of a source's one descriptor: the token it carries and whether it is registered. Sources that
/// own a single descriptor (pings, channels, signals, inotify, pidfds, executors) keep one of these.
/// </summary>
internal struct FdRegistration
{
    private Token _token;

    // The poller of a counter registration, from which its value is taken (see TakeCounter).
    private Poll? _counterPoll;

    /// <summary>True between <see cref="Register"/> and <see cref="Unregister"/>.</summary>
    internal bool IsRegistered { get; private set; }

    /// <summary>The token of the current registration.</summary>
    internal readonly Token Token => _token;

    /// <summary>True when <paramref name="token"/> is this registration's own (and it is registered).</summary>
    internal readonly bool Owns(Token token) => IsRegistered && token == _token;

    internal void Register(Poll poll, ref TokenFactory tokenFactory, int fd, Interest interest = Interest.Readable, Mode mode = Mode.Level)
    {
        Token token = tokenFactory.NextToken();
        poll.Register(fd, interest, mode, token);
        _token = token;
        IsRegistered = true;
    }

    /// <summary>Registers a notifier as a counter (see <see cref="Poll.RegisterCounter"/>).</summary>
    internal void RegisterCounter(Poll poll, ref TokenFactory tokenFactory, Interop.NotifyFd notifier)
    {
        Token token = tokenFactory.NextToken();
        poll.RegisterCounter(notifier, token);
        _token = token;
        _counterPoll = poll;
        IsRegistered = true;
    }

    /// <summary>
    /// The poller of a registration made with <see cref="RegisterCounter"/> (null otherwise and once unregistered): what
    /// a source passes to <see cref="Poll.TakeCounter"/> or <see cref="Waker.Drain(Poll)"/>.
    /// </summary>
    internal readonly Poll? CounterPoll => _counterPoll;

    /// <summary>Consumes what <paramref name="notifier"/> carries: through the poller for a counter registration (see <see cref="Poll.TakeCounter"/>), else a read.</summary>
    internal readonly ulong TakeCounter(Interop.NotifyFd notifier, string operation) =>
        _counterPoll is Poll poll ? poll.TakeCounter(notifier, operation) : notifier.Take(operation);

    internal void Reregister(Poll poll, ref TokenFactory tokenFactory, int fd, Interest interest = Interest.Readable, Mode mode = Mode.Level)
    {
        Token token = tokenFactory.NextToken();
        poll.Reregister(fd, interest, mode, token);
        _token = token;
        if (_counterPoll is not null)
        {
            _counterPoll = poll;
        }
    }

    internal void Unregister(Poll poll, int fd)
    {
        if (IsRegistered)
        {
            IsRegistered = false;
            _counterPoll = null;
            poll.TryUnregister(fd, _token);
        }
    }
}
