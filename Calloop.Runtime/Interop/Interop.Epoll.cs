using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>epoll(7) declarations.</summary>
internal static unsafe partial class Epoll
{
    internal const int EPOLL_CLOEXEC = 0x80000;

    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int EPOLL_CTL_MOD = 3;

    internal const uint EPOLLIN = 0x001;
    internal const uint EPOLLOUT = 0x004;
    internal const uint EPOLLERR = 0x008;
    internal const uint EPOLLHUP = 0x010;
    internal const uint EPOLLRDHUP = 0x2000;
    internal const uint EPOLLONESHOT = 1u << 30;
    internal const uint EPOLLET = 1u << 31;

    /// <summary><c>struct epoll_event</c> as laid out on x86 and x86-64, where the kernel declares it packed.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct PackedEvent
    {
        internal uint Events;
        internal ulong Data;
    }

    /// <summary><c>struct epoll_event</c> on every other architecture (natural alignment, 16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct AlignedEvent
    {
        internal uint Events;
        internal ulong Data;
    }

    /// <summary>True where <c>struct epoll_event</c> is packed (12 bytes).</summary>
    internal static readonly bool IsPacked =
        RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86;

    [LibraryImport(Libc.Name, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int Create1(int flags);

    [LibraryImport(Libc.Name, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int Ctl(int epfd, int op, int fd, void* ev);

    [LibraryImport(Libc.Name, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int Wait(int epfd, void* events, int maxEvents, int timeoutMs);

    [LibraryImport(Libc.Name, EntryPoint = "epoll_pwait2", SetLastError = true)]
    internal static partial int PWait2(int epfd, void* events, int maxEvents, Timespec* timeout, void* sigmask);
}
