using System;
using System.Runtime.InteropServices;

namespace Calloop;

/// <summary>
/// A system call made by the event loop or one of its sources failed. The message names the operation,
/// the file descriptor (when there is one) and the errno.
/// </summary>
public class CalloopException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public CalloopException(string message) : base(message)
    {
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    public CalloopException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates an exception describing a failed operation.</summary>
    /// <param name="operation">The operation that failed, for example <c>epoll_ctl(ADD)</c>.</param>
    /// <param name="fd">The file descriptor involved, if any.</param>
    /// <param name="errno">The errno the system call reported.</param>
    public CalloopException(string operation, int? fd, int errno)
        : base(Describe(operation, fd, errno))
    {
        Operation = operation;
        FileDescriptor = fd;
        Errno = errno;
    }

    /// <summary>The operation that failed, for example <c>epoll_ctl(ADD)</c>; null when not a system call.</summary>
    public string? Operation { get; }

    /// <summary>The file descriptor involved, if any.</summary>
    public int? FileDescriptor { get; }

    /// <summary>The errno reported by the system, or null when the failure did not come from a system call.</summary>
    public int? Errno { get; }

    /// <summary>The same failure, its message prefixed with the name of the source it concerns.</summary>
    internal CalloopException ForSource(string name) =>
        Errno is int errno
            ? new CalloopException($"source '{name}': {Operation}", FileDescriptor, errno)
            : new CalloopException($"source '{name}': {Message}", this);

    internal static CalloopException FromErrno(string operation, int? fd, int errno) => new(operation, fd, errno);

    private static string Describe(string operation, int? fd, int errno)
    {
        string where = fd is int f ? $" for fd {f}" : string.Empty;
        return $"{operation} failed{where}: {ErrnoName(errno)} ({Marshal.GetPInvokeErrorMessage(errno)}, errno {errno}).";
    }

    /// <summary>The symbolic name of common errno values (EBADF, EEXIST, ...) on this system, or "errno N".</summary>
    internal static string ErrnoName(int errno) => errno switch
    {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        4 => "EINTR",
        9 => "EBADF",
        10 => "ECHILD",
        11 when !Interop.Libc.IsBsd => "EAGAIN",
        12 => "ENOMEM",
        13 => "EACCES",
        17 => "EEXIST",
        22 => "EINVAL",
        23 => "ENFILE",
        24 => "EMFILE",
        28 => "ENOSPC",
        32 => "EPIPE",
        35 when Interop.Libc.IsBsd => "EAGAIN",
        38 when !Interop.Libc.IsBsd => "ENOSYS",
        54 when Interop.Libc.IsBsd => "ECONNRESET",
        78 when Interop.Libc.IsBsd => "ENOSYS",
        104 when !Interop.Libc.IsBsd => "ECONNRESET",
        _ => $"errno {errno}",
    };
}
