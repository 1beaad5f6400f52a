using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>libc entry points shared by every backend and source: read, write, close, clock_gettime.</summary>
internal static unsafe partial class Libc
{
    internal const string Name = "libc";

    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int EBADF = 9;
    internal const int EEXIST = 17;
    internal const int ENOENT = 2;
    internal const int EINVAL = 22;
    internal const int EMFILE = 24;
    internal const int ENOSYS = 38;
    internal const int EPERM = 1;

    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;

    [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Name, EntryPoint = "pipe2", SetLastError = true)]
    internal static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Name, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int cmd, int arg);

    internal const int F_GETFD = 1;

    /// <summary>Reads an 8-byte counter (eventfd) and retries on EINTR. Returns false on EAGAIN.</summary>
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
            int errno = Marshal.GetLastPInvokeError();
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
    internal static void WriteCounter(int fd, ulong value, string operation)
    {
        while (true)
        {
            nint n = Syscall.Write(fd, &value, 8);
            if (n == 8)
            {
                return;
            }
            int errno = Marshal.GetLastPInvokeError();
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
