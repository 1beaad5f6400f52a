using System;
using System.Collections.Generic;
using Calloop.Sources;

namespace Calloop.Polling;

/// <summary>
/// The seam between the loop and the operating system's readiness API (epoll, kqueue and poll(2) implement the
/// same members). A backend only registers descriptors and waits; timers, tokens and
/// dispatch live above it.
/// </summary>
internal abstract class PollBackend : IDisposable
{
    /// <summary>A descriptor that becomes readable when any registered descriptor is ready (for nesting loops).</summary>
    internal abstract int Fd { get; }

    internal abstract void Add(int fd, Interest interest, Mode mode, Token token);

    internal abstract void Modify(int fd, Interest interest, Mode mode, Token token);

    internal abstract void Delete(int fd);

    /// <summary>
    /// Registers an eventfd as a counter: readable and level-triggered, and a backend that can read it itself (io_uring)
    /// does, so that its event brings the value with it (<see cref="TryTakeCounter"/>). The others register it as
    /// <see cref="Add"/> does.
    /// </summary>
    internal virtual void AddCounter(int fd, Token token) => Add(fd, Interest.Readable, Mode.Level, token);

    /// <summary>
    /// Takes the value this backend read from counter <paramref name="fd"/> since the last call; false when the backend
    /// does not read counters itself (or <paramref name="fd"/> is not one), and the caller reads the descriptor.
    /// </summary>
    internal virtual bool TryTakeCounter(int fd, out ulong value)
    {
        value = 0;
        return false;
    }

    /// <summary>
    /// Drops every registration the backend holds, including ones that can no longer be deleted (a descriptor closed
    /// while registered while a duplicate keeps its file open), and registers <paramref name="live"/> afresh,
    /// keeping <see cref="Fd"/>. Returns false when the backend cannot hold such a registration (it forgets a
    /// descriptor when it is deleted, whatever became of it) and did nothing.
    /// </summary>
    internal virtual bool Rebuild(IEnumerable<(int Fd, Interest Interest, Mode Mode, Token Token)> live) => false;

    /// <summary>
    /// Waits until a descriptor is ready or <paramref name="timeoutNs"/> passes (negative: no limit; zero:
    /// do not block) and writes the ready events into <paramref name="events"/>. Returns how many were
    /// written; 0 on timeout or when a signal interrupted the wait.
    /// </summary>
    internal abstract int Wait(Span<PollEvent> events, long timeoutNs);

    public abstract void Dispose();
}
