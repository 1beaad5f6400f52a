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
/// Elsewhere the libc wrappers are used. Every method returns what the kernel does: a count, or minus the errno.
/// </summary>
internal static unsafe partial class Syscall
{
    private const nint SysRead = 0;
    private const nint SysWrite = 1;
    private const nint SysEpollWait = 232;

    private static readonly bool s_direct = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    // No SetLastError: that makes every call clear errno before and read it after (two more calls into the
    // runtime's native shim, 3 % of an idle-callback dispatch). errno is read here only when the call failed,
    // right after it returned, exactly where the SetLastError stub would read it.
    [LibraryImport(Libc.Name, EntryPoint = "syscall")]
    private static partial nint Invoke(nint number, nint a1, nint a2, nint a3, nint a4);

    /// <summary>read(2): the bytes read, or minus the errno.</summary>
    internal static nint Read(int fd, void* buffer, nuint count) =>
        s_direct ? Direct(SysRead, fd, (nint)buffer, (nint)count, 0) : OrMinusErrno(Libc.Read(fd, buffer, count));

    /// <summary>write(2): the bytes written, or minus the errno.</summary>
    internal static nint Write(int fd, void* buffer, nuint count) =>
        s_direct ? Direct(SysWrite, fd, (nint)buffer, (nint)count, 0) : OrMinusErrno(Libc.Write(fd, buffer, count));

    /// <summary>epoll_wait(2): the number of events, or minus the errno.</summary>
    internal static int EpollWait(int epfd, void* events, int maxEvents, int timeoutMs) =>
        (int)(s_direct ? Direct(SysEpollWait, epfd, (nint)events, maxEvents, timeoutMs) : OrMinusErrno(Epoll.Wait(epfd, events, maxEvents, timeoutMs)));

    /// <summary>The system call through <c>syscall(2)</c>; errno read right after it, only when it failed.</summary>
    private static nint Direct(nint number, nint a1, nint a2, nint a3, nint a4)
    {
        nint n = Invoke(number, a1, a2, a3, a4);
        return n >= 0 ? n : -Marshal.GetLastSystemError();
    }

    /// <summary>A libc wrapper's result (declared with SetLastError), or minus the errno it saved.</summary>
    private static nint OrMinusErrno(nint result) => result >= 0 ? result : -Marshal.GetLastPInvokeError();
}
