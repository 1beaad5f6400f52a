using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>pipe(2) / pipe2(2): a non-blocking, close-on-exec pipe whose two ends are owned by handles.</summary>
internal static unsafe class Pipes
{
    /// <summary>
    /// Creates the pipe. pipe2 sets both flags atomically on Linux and FreeBSD; macOS has no pipe2, so there the
    /// flags are set with fcntl right after pipe (a descriptor can leak into a child that another thread execs in
    /// between, as with every macOS pipe).
    /// </summary>
    /// <exception cref="CalloopException">pipe or fcntl failed (EMFILE, ...); nothing is left open.</exception>
    internal static (FdHandle Read, FdHandle Write) Create(string operation)
    {
        if (OperatingSystem.IsMacOS())
        {
            return CreateWithFcntl(operation);
        }
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_NONBLOCK | Libc.O_CLOEXEC) != 0)
        {
            throw CalloopException.FromErrno(operation, null, Marshal.GetLastPInvokeError());
        }
        return (new FdHandle(fds[0]), new FdHandle(fds[1]));
    }

    /// <summary>macOS: pipe, then the flags with fcntl.</summary>
    [ExcludeFromCodeCoverage(Justification = "macOS only (no pipe2 there); the tests run on Linux.")]
    private static (FdHandle Read, FdHandle Write) CreateWithFcntl(string operation)
    {
        int* fds = stackalloc int[2];
        if (Libc.Pipe(fds) != 0)
        {
            throw CalloopException.FromErrno(operation, null, Marshal.GetLastPInvokeError());
        }
        var read = new FdHandle(fds[0]);
        var write = new FdHandle(fds[1]);
        try
        {
            SetFlags(fds[0], operation);
            SetFlags(fds[1], operation);
        }
        catch
        {
            read.Dispose();
            write.Dispose();
            throw;
        }
        return (read, write);
    }

    [ExcludeFromCodeCoverage(Justification = "macOS only (called by CreateWithFcntl); the tests run on Linux.")]
    private static void SetFlags(int fd, string operation)
    {
        if (Libc.Fcntl(fd, Libc.F_SETFD, Libc.FD_CLOEXEC) < 0)
        {
            throw CalloopException.FromErrno(operation + ": fcntl(F_SETFD, FD_CLOEXEC)", fd, Marshal.GetLastPInvokeError());
        }
        NonBlocking.Set(fd, operation);
    }
}
