using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>eventfd(2) declarations.</summary>
internal static partial class EventFd
{
    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;

    [LibraryImport(Libc.Name, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int Create(uint initval, int flags);

    /// <summary>Creates a non-blocking, close-on-exec eventfd owned by a <see cref="FdHandle"/>.</summary>
    internal static FdHandle CreateHandle(string operation)
    {
        int fd = Create(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0)
        {
            throw CalloopException.FromErrno(operation, null, Marshal.GetLastPInvokeError());
        }
        return new FdHandle(fd);
    }
}
