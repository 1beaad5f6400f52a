using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>poll(2) on one descriptor: the blocking wait behind the synchronous members of the async stream view.</summary>
internal static unsafe partial class PollFd
{
    internal const short POLLIN = 0x001;
    internal const short POLLOUT = 0x004;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFdStruct
    {
        internal int Fd;
        internal short Events;
        internal short Revents;
    }

    [LibraryImport(Libc.Name, EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFdStruct* fds, nuint count, int timeoutMs);

    /// <summary>Blocks until <paramref name="fd"/> reports one of <paramref name="events"/> (or an error/hang-up); retries on EINTR.</summary>
    internal static void WaitFor(int fd, short events, string operation)
    {
        var pfd = new PollFdStruct { Fd = fd, Events = events };
        while (Poll(&pfd, 1, -1) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR)
            {
                throw CalloopException.FromErrno(operation, fd, errno);
            }
        }
    }
}
