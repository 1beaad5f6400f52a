using System;
using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>libc entry points shared by every backend and source (read, write, close, pipe, fcntl) and the numbers that differ between Linux, macOS and FreeBSD.</summary>
internal static unsafe partial class Libc
{
    internal const string Name = "libc";

    /// <summary>True on macOS and FreeBSD, whose errno and open-flag numbers differ from Linux's.</summary>
    internal static readonly bool IsBsd = OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    // The same number on Linux, macOS and FreeBSD.
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int EBADF = 9;
    internal const int EEXIST = 17;
    internal const int EINVAL = 22;
    internal const int EMFILE = 24;

    // Numbers that differ: Linux first, then macOS and FreeBSD.
    internal static readonly int EAGAIN = IsBsd ? 35 : 11;
    internal static readonly int ENOSYS = IsBsd ? 78 : 38;

    internal static readonly int O_NONBLOCK = IsBsd ? 0x4 : 0x800;
    internal static readonly int O_CLOEXEC = OperatingSystem.IsMacOS() ? 0x1000000 : OperatingSystem.IsFreeBSD() ? 0x100000 : 0x80000;

    internal const int F_GETFD = 1;
    internal const int F_SETFD = 2;
    internal const int FD_CLOEXEC = 1;

    /// <summary>fcntl's "duplicate, close-on-exec" command (Linux; only the Linux io_uring backend uses it).</summary>
    internal const int F_DUPFD_CLOEXEC_LINUX = 1030;

    /// <summary>
    /// True on Apple arm64, where a variadic argument (fcntl's third) is passed on the stack, not in a register.
    /// </summary>
    private static readonly bool s_variadicOnStack =
        OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Name, EntryPoint = "dup3", SetLastError = true)]
    internal static partial int Dup3(int oldFd, int newFd, int flags);

    [LibraryImport(Name, EntryPoint = "pipe", SetLastError = true)]
    internal static partial int Pipe(int* fds);

    [LibraryImport(Name, EntryPoint = "pipe2", SetLastError = true)]
    internal static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Name, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlRegisters(int fd, int cmd, int arg);

    /// <summary>
    /// fcntl declared so that <paramref name="arg"/> is the ninth integer argument: the first eight fill x0-x7 and
    /// the ninth goes on the stack, where Apple's arm64 ABI makes a variadic callee look for it.
    /// </summary>
    [LibraryImport(Name, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlStack(int fd, int cmd, nint x2, nint x3, nint x4, nint x5, nint x6, nint x7, nint arg);

    /// <summary>fcntl(2) with one integer argument, passed where the platform's variadic calling convention expects it.</summary>
    internal static int Fcntl(int fd, int cmd, int arg) =>
        s_variadicOnStack ? FcntlStack(fd, cmd, 0, 0, 0, 0, 0, 0, arg) : FcntlRegisters(fd, cmd, arg);

    /// <summary>Reads an 8-byte counter (eventfd) and retries on EINTR. Returns false on EAGAIN.</summary>
    // NoInlining (here and on WriteCounter): inlined into a caller's try region (the loop runs callbacks inside one),
    // the P/Invoke would go through a marshalling stub instead of being called directly.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal static bool ReadCounter(int fd, out ulong value, string operation)
    {
        ulong v;
        while (true)
        {
            nint n = Syscall.Read(fd, &v, 8);
            if (n == 8)
            {
                value = v;
                return true;
            }
            int errno = n < 0 ? (int)-n : 0;
            if (n < 0 && errno == EINTR)
            {
                continue;
            }
            value = 0;
            if (n < 0 && errno == EAGAIN)
            {
                return false;
            }
            throw CalloopException.FromErrno(operation, fd, n < 0 ? errno : EINVAL);
        }
    }

    /// <summary>Adds to an 8-byte counter (eventfd) and retries on EINTR. EAGAIN (counter full) is not an error.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal static void WriteCounter(int fd, ulong value, string operation)
    {
        while (true)
        {
            nint n = Syscall.Write(fd, &value, 8);
            if (n == 8)
            {
                return;
            }
            int errno = n < 0 ? (int)-n : 0;
            if (n < 0 && errno == EINTR)
            {
                continue;
            }
            if (n < 0 && errno == EAGAIN)
            {
                return;
            }
            throw CalloopException.FromErrno(operation, fd, n < 0 ? errno : EINVAL);
        }
    }

    /// <summary>True when <paramref name="fd"/> names an open file descriptor of this process.</summary>
    internal static bool IsOpen(int fd) => fd >= 0 && Fcntl(fd, F_GETFD, 0) >= 0;
}
