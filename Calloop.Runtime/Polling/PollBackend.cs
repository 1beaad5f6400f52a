using System;

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
    /// Waits until a descriptor is ready or <paramref name="timeoutNs"/> passes (negative: no limit; zero:
    /// do not block) and writes the ready events into <paramref name="events"/>. Returns how many were
    /// written; 0 on timeout or when a signal interrupted the wait.
    /// </summary>
    internal abstract int Wait(Span<PollEvent> events, long timeoutNs);

    public abstract void Dispose();
}
