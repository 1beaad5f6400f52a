using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>fcntl(2) file status flags: switching a descriptor to non-blocking mode.</summary>
internal static class NonBlocking
{
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;

    /// <summary>Sets O_NONBLOCK on <paramref name="fd"/> (a no-op when it is already set).</summary>
    /// <exception cref="CalloopException">fcntl failed (EBADF for a closed descriptor).</exception>
    internal static void Set(int fd, string operation)
    {
        int flags = Libc.Fcntl(fd, F_GETFL, 0);
        if (flags < 0)
        {
            throw CalloopException.FromErrno(operation + ": fcntl(F_GETFL)", fd, Marshal.GetLastPInvokeError());
        }
        if ((flags & Libc.O_NONBLOCK) != 0)
        {
            return;
        }
        if (Libc.Fcntl(fd, F_SETFL, flags | Libc.O_NONBLOCK) < 0)
        {
            throw CalloopException.FromErrno(operation + ": fcntl(F_SETFL, O_NONBLOCK)", fd, Marshal.GetLastPInvokeError());
        }
    }
}
