using System.Runtime.Versioning;

namespace Calloop;

/// <summary>The operating-system readiness API an <see cref="EventLoop{TData}"/> waits with.</summary>
public enum Backend
{
    /// <summary>The platform's best: epoll on Linux, kqueue on macOS and FreeBSD, poll(2) elsewhere.</summary>
    Default,

    /// <summary>Linux epoll(7). Elsewhere the loop's constructor throws <see cref="System.PlatformNotSupportedException"/>.</summary>
    [SupportedOSPlatform("linux")]
    Epoll,

    /// <summary>
    /// poll(2), available on every POSIX system. O(n) per wait in the number of descriptors; does not support
    /// <see cref="Mode.Edge"/>, and has no descriptor of its own for nesting the loop in another.
    /// </summary>
    Poll,

    /// <summary>
    /// kqueue(2) on macOS and FreeBSD (64-bit). Elsewhere, Linux included, the loop's constructor throws
    /// <see cref="System.PlatformNotSupportedException"/>.
    /// </summary>
    /// <remarks>
    /// Written against the documented <c>struct kevent</c> of macOS and FreeBSD 12+, but not exercised by this
    /// project's CI, which runs on Linux: only the structure layouts and the refusal on Linux are tested.
    /// </remarks>
    [SupportedOSPlatform("macos")]
    [SupportedOSPlatform("freebsd")]
    Kqueue,

    /// <summary>
    /// Linux io_uring(7) (5.13 or later): readiness through poll requests, submitted with the wait itself, and a
    /// zero-timeout dispatch that finds nothing pending makes no system call. On Linux 6.7 or later the eventfds of
    /// pings, channels, signal sources, executors, async stream sources and the loop's wake-up are read inside the
    /// ring, so their sources make no read of their own. Where io_uring is unavailable (another system, a kernel
    /// without it or too old, or disabled by <c>/proc/sys/kernel/io_uring_disabled</c> or a seccomp policy) the loop's
    /// constructor throws <see cref="System.PlatformNotSupportedException"/>.
    /// </summary>
    /// <remarks>See docs/backends.md for how each <see cref="Mode"/> maps to poll requests.</remarks>
    [SupportedOSPlatform("linux")]
    IoUring,

    /// <summary>
    /// <see cref="IoUring"/> where this process can use it, otherwise <see cref="Epoll"/>. Elsewhere than Linux the
    /// loop's constructor throws <see cref="System.PlatformNotSupportedException"/>.
    /// </summary>
    IoUringOrEpoll,
}
