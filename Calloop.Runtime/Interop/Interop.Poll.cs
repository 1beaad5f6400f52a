using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>poll(2) / ppoll(2) declarations. macOS has no ppoll: there <see cref="Wait"/> uses poll.</summary>
internal static unsafe partial class PollSys
{
    internal const short POLLIN = 0x001;
    internal const short POLLOUT = 0x004;
    internal const short POLLERR = 0x008;
    internal const short POLLHUP = 0x010;
    internal const short POLLNVAL = 0x020;

    /// <summary>Linux's peer-hang-up bit; elsewhere 0 (FreeBSD gives 0x2000 another meaning, macOS has none).</summary>
    internal static readonly short POLLRDHUP = OperatingSystem.IsLinux() ? (short)0x2000 : (short)0;

    private static readonly bool s_hasPPoll = !OperatingSystem.IsMacOS();

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

    [LibraryImport(Libc.Name, EntryPoint = "poll", SetLastError = true)]
    internal static partial int PollMs(PollFd* fds, nuint count, int timeoutMs);

    /// <summary>
    /// Waits on <paramref name="fds"/> for <paramref name="timeoutNs"/> (negative: no limit). ppoll where it exists;
    /// on macOS poll, the timeout rounded up to whole milliseconds so that a wait never ends early.
    /// </summary>
    internal static int Wait(PollFd* fds, nuint count, long timeoutNs)
    {
        if (!s_hasPPoll)
        {
            return WaitWithPoll(fds, count, timeoutNs);
        }
        if (timeoutNs < 0)
        {
            return PPoll(fds, count, null, null);
        }
        Timespec ts = Timespec.FromNanoseconds(timeoutNs);
        return PPoll(fds, count, &ts, null);
    }

    /// <summary>macOS: poll(2), the timeout rounded up to whole milliseconds.</summary>
    [ExcludeFromCodeCoverage(Justification = "macOS only (no ppoll there); the tests run on Linux.")]
    private static int WaitWithPoll(PollFd* fds, nuint count, long timeoutNs)
    {
        int ms = timeoutNs < 0 ? -1 : (int)Math.Min((timeoutNs + 999_999) / 1_000_000, int.MaxValue);
        return PollMs(fds, count, ms);
    }

    /// <summary>Blocks until <paramref name="fd"/> reports one of <paramref name="events"/> (or an error/hang-up); retries on EINTR.</summary>
    internal static void WaitFor(int fd, short events, string operation)
    {
        var pfd = new PollFd { Fd = fd, Events = events };
        while (Wait(&pfd, 1, -1) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR)
            {
                throw CalloopException.FromErrno(operation, fd, errno);
            }
        }
    }
}
