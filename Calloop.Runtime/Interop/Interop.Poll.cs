using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>poll(2) / ppoll(2) declarations.</summary>
internal static unsafe partial class PollSys
{
    internal const short POLLIN = 0x001;
    internal const short POLLOUT = 0x004;
    internal const short POLLERR = 0x008;
    internal const short POLLHUP = 0x010;
    internal const short POLLNVAL = 0x020;
    internal const short POLLRDHUP = 0x2000;

    /// <summary><c>struct pollfd</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        internal int Fd;
        internal short Events;
        internal short REvents;
    }

    [LibraryImport(Libc.Name, EntryPoint = "ppoll", SetLastError = true)]
    internal static partial int PPoll(PollFd* fds, nuint count, Timespec* timeout, void* sigmask);

    /// <summary>Blocks until <paramref name="fd"/> reports one of <paramref name="events"/> (or an error/hang-up); retries on EINTR.</summary>
    internal static void WaitFor(int fd, short events, string operation)
    {
        var pfd = new PollFd { Fd = fd, Events = events };
        while (PPoll(&pfd, 1, null, null) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR)
            {
                throw CalloopException.FromErrno(operation, fd, errno);
            }
        }
    }
}
