using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Calloop.Timers;

namespace Calloop.Sources;

/// <summary>
/// The loop's poller, handed to <see cref="IEventSource.Register"/>, <see cref="IEventSource.Reregister"/> and
/// <see cref="IEventSource.Unregister"/> so that a source can register its file descriptors (and, for the
/// built-in timers, its deadlines). Only usable on the loop's thread.
/// </summary>
public sealed class Poll
{
    private readonly Polling.PollBackend _backend;

    // Every registered descriptor with what it was registered for: so that a source whose descriptor was closed (and
    // its number reused by another source's descriptor) does not unregister the newcomer, and so that the backend can
    // be rebuilt from the live registrations.
    private readonly Dictionary<int, Registered> _owners = [];

    internal Poll(Polling.PollBackend backend)
    {
        _backend = backend;
        Timers = new TimerWheel(Instant.Now.Nanoseconds);
    }

    internal TimerWheel Timers { get; }

    /// <summary>The state of the loop this poller belongs to (its thread, disposal), for sources that check the thread themselves.</summary>
    internal LoopState? State { get; set; }

    /// <summary>The poller's own descriptor: readable when any registered descriptor is ready.</summary>
    internal int Fd => _backend.Fd;

    /// <summary>Starts watching <paramref name="fd"/>; its events will carry <paramref name="token"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fd"/> is negative, or <paramref name="interest"/> or <paramref name="mode"/> is not a defined value.</exception>
    /// <exception cref="CalloopException">The kernel refused (for example EBADF for a closed descriptor, EEXIST when it is already registered).</exception>
    public void Register(int fd, Interest interest, Mode mode, Token token)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        CheckInterestAndMode(interest, mode);
        _backend.Add(fd, interest, mode, token);
        _owners[fd] = new Registered(interest, mode, token);
    }

    /// <summary>
    /// Starts watching <paramref name="notifier"/> (readable, level-triggered); where the backend can read an eventfd
    /// itself, its events bring the value, which <see cref="TakeCounter"/> then returns without a read.
    /// </summary>
    internal void RegisterCounter(Interop.NotifyFd notifier, Token token)
    {
        int fd = notifier.ReadFd;
        if (notifier.IsPipe)
        {
            _backend.Add(fd, Interest.Readable, Mode.Level, token);
        }
        else
        {
            _backend.AddCounter(fd, token);
        }
        _owners[fd] = new Registered(Interest.Readable, Mode.Level, token);
    }

    /// <summary>
    /// Consumes what <paramref name="notifier"/> carries, on the loop's thread: the value the backend already read
    /// for a counter registration, otherwise a read of the descriptor (<see cref="Interop.NotifyFd.Take"/>).
    /// </summary>
    internal ulong TakeCounter(Interop.NotifyFd notifier, string operation) =>
        !notifier.IsPipe && _backend.TryTakeCounter(notifier.ReadFd, out ulong value) ? value : notifier.Take(operation);

    /// <summary>Starts watching the descriptor owned by <paramref name="handle"/>.</summary>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    public void Register(SafeHandle handle, Interest interest, Mode mode, Token token) => Register(FdOf(handle), interest, mode, token);

    /// <summary>Changes the interest, mode or token of a registered descriptor (and re-arms a one-shot registration).</summary>
    public void Reregister(int fd, Interest interest, Mode mode, Token token)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        CheckInterestAndMode(interest, mode);
        _backend.Modify(fd, interest, mode, token);
        _owners[fd] = new Registered(interest, mode, token);
    }

    /// <summary>Changes the registration of the descriptor owned by <paramref name="handle"/>.</summary>
    public void Reregister(SafeHandle handle, Interest interest, Mode mode, Token token) => Reregister(FdOf(handle), interest, mode, token);

    /// <summary>Stops watching <paramref name="fd"/>.</summary>
    public void Unregister(int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        _owners.Remove(fd);
        _backend.Delete(fd);
    }

    /// <summary>
    /// Stops watching <paramref name="fd"/> if it is still registered for the registration that <paramref name="token"/>
    /// belongs to. Does nothing and returns false when the descriptor was closed meanwhile and its number now belongs
    /// to another registration, or was never registered; a descriptor the kernel already dropped (closed while
    /// registered) is forgotten and counts as unregistered.
    /// </summary>
    /// <returns>True when the descriptor was registered for that registration and is no longer watched.</returns>
    public bool TryUnregister(int fd, Token token)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        if (!_owners.TryGetValue(fd, out Registered owner) || owner.Token.Slot != token.Slot || owner.Token.Version != token.Version)
        {
            return false;
        }
        _owners.Remove(fd);
        try
        {
            _backend.Delete(fd);
        }
        catch (CalloopException e) when (e.Errno is Interop.Libc.EBADF or Interop.Libc.ENOENT)
        {
            // The descriptor was closed while registered: the kernel already dropped it.
        }
        return true;
    }

    /// <summary>Stops watching the descriptor owned by <paramref name="handle"/>.</summary>
    public void Unregister(SafeHandle handle) => Unregister(FdOf(handle));

    internal int Wait(Span<PollEvent> events, long timeoutNs) => _backend.Wait(events, timeoutNs);

    internal void DisposeBackend() => _backend.Dispose();

    /// <summary>How many descriptors are registered.</summary>
    internal int RegisteredCount => _owners.Count;

    /// <summary>
    /// Rebuilds the backend from the registrations this poller knows of, dropping any the kernel still reports but
    /// nothing can delete. Returns false when the backend cannot hold such registrations.
    /// </summary>
    internal bool RebuildBackend()
    {
        var live = new List<(int, Interest, Mode, Token)>(_owners.Count);
        foreach (KeyValuePair<int, Registered> r in _owners)
        {
            live.Add((r.Key, r.Value.Interest, r.Value.Mode, r.Value.Token));
        }
        return _backend.Rebuild(live);
    }

    /// <summary>What a descriptor is registered for.</summary>
    private readonly record struct Registered(Interest Interest, Mode Mode, Token Token);

    private static void CheckInterestAndMode(Interest interest, Mode mode)
    {
        if ((interest & ~Interest.Both) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(interest), interest, "Not an interest: use None, Readable, Writable or Both.");
        }
        if (mode is not (Mode.Level or Mode.Edge or Mode.OneShot))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a mode: use Level, Edge or OneShot.");
        }
    }

    private static int FdOf(SafeHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        return (int)handle.DangerousGetHandle().ToInt64();
    }
}
