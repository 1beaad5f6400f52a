using System;
using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>
/// The loop's hottest system calls (epoll_wait, and read/write on eventfds) made through <c>syscall(2)</c> on
/// x86-64 Linux. glibc's <c>read</c>, <c>write</c> and <c>epoll_wait</c> are thread-cancellation points: in a
/// multi-threaded process (every .NET process) each call brackets the system call with
/// <c>__pthread_enable_asynccancel</c>/<c>__pthread_disable_asynccancel</c>, which perf measured at 7 % of an
/// idle-callback dispatch and 4 % of a ping round trip. .NET never cancels threads, so that bookkeeping is pure
/// cost; <c>syscall(2)</c> is not a cancellation point and sets errno the same way. The arguments are all integers
/// (no floating point), which is what makes calling the variadic <c>syscall</c> through P/Invoke sound on x86-64.
/// Elsewhere the libc wrappers are used.
/// </summary>
internal static unsafe partial class Syscall
{
    private const nint SysRead = 0;
    private const nint SysWrite = 1;
    private const nint SysEpollWait = 232;

    private static readonly bool s_direct = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    [LibraryImport(Libc.Name, EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Invoke(nint number, nint a1, nint a2, nint a3, nint a4);

    /// <summary>read(2); -1 with errno on failure.</summary>
    internal static nint Read(int fd, void* buffer, nuint count) =>
        s_direct ? Invoke(SysRead, fd, (nint)buffer, (nint)count, 0) : Libc.Read(fd, buffer, count);

    /// <summary>write(2); -1 with errno on failure.</summary>
    internal static nint Write(int fd, void* buffer, nuint count) =>
        s_direct ? Invoke(SysWrite, fd, (nint)buffer, (nint)count, 0) : Libc.Write(fd, buffer, count);

    /// <summary>epoll_wait(2); -1 with errno on failure.</summary>
    internal static int EpollWait(int epfd, void* events, int maxEvents, int timeoutMs) =>
        s_direct ? (int)Invoke(SysEpollWait, epfd, (nint)events, maxEvents, timeoutMs) : Epoll.Wait(epfd, events, maxEvents, timeoutMs);
}
