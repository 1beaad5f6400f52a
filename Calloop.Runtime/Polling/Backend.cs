namespace Calloop;

/// <summary>The operating-system readiness API an <see cref="EventLoop{TData}"/> waits with.</summary>
public enum Backend
{
    /// <summary>The platform's best: epoll on Linux.</summary>
    Default,

    /// <summary>Linux epoll(7).</summary>
    Epoll,

    /// <summary>
    /// poll(2), available on every POSIX system. O(n) per wait in the number of descriptors; does not support
    /// <see cref="Mode.Edge"/>, and has no descriptor of its own for nesting the loop in another.
    /// </summary>
    Poll,
}
