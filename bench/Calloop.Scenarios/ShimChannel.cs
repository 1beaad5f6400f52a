using System.Collections.Generic;
using System.Threading;

namespace Calloop.Scenarios;

/// <summary>
/// A stand-in channel for S3, built only from the public API (a <see cref="PingSource"/> and a locked list), until
/// the runtime has its own channel source; S3 reports <c>channel=shim</c> while it uses this. The sender appends
/// under a lock and pings only when no wake-up is already pending (the <c>armed</c> flag, cleared by the loop
/// before it takes the queued messages), the protocol of the floor's coalesced variant. Single sender.
/// </summary>
internal sealed class ShimChannel<T> : IEventSource<T, Unit, Unit>, System.IDisposable
{
    private readonly Lock _lock = new();
    private readonly Ping _ping;
    private readonly PingSource _source;
    private List<T> _queue = new(1024);
    private List<T> _taken = new(1024);
    private int _armed;

    internal ShimChannel() => (_ping, _source) = Ping.Create();

    /// <summary>Queues a message; thread-safe. Writes the eventfd only when the loop has not already been woken.</summary>
    internal void Send(T value)
    {
        lock (_lock)
        {
            _queue.Add(value);
        }
        if (Interlocked.Exchange(ref _armed, 1) == 0)
        {
            _ping.Send();
        }
    }

    /// <summary>Drops the sender: the source removes itself once the loop has seen the last wake-up.</summary>
    internal void CloseSender() => _ping.Dispose();

    public void Register(Poll poll, ref TokenFactory tokenFactory) => _source.Register(poll, ref tokenFactory);

    public void Reregister(Poll poll, ref TokenFactory tokenFactory) => _source.Reregister(poll, ref tokenFactory);

    public void Unregister(Poll poll) => _source.Unregister(poll);

    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<T, Unit, Unit>, allows ref struct
    {
        var woken = new Woken();
        PostAction action = _source.ProcessEvents(readiness, token, ref woken);
        if (!woken.Fired)
        {
            return action;
        }
        Volatile.Write(ref _armed, 0);
        lock (_lock)
        {
            (_queue, _taken) = (_taken, _queue);
        }
        Unit metadata = default;
        List<T> taken = _taken;
        for (int i = 0; i < taken.Count; i++)
        {
            callback.Invoke(taken[i], ref metadata);
        }
        taken.Clear();
        return action;
    }

    public void Dispose() => _source.Dispose();

    private struct Woken : IEventCallback<Unit, Unit, Unit>
    {
        public bool Fired;

        public Unit Invoke(Unit @event, ref Unit metadata)
        {
            Fired = true;
            return default;
        }
    }
}
