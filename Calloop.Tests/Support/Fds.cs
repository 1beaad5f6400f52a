using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Calloop.Tests.Support;

/// <summary>Pipes, socket pairs and descriptor counting for tests.</summary>
internal static unsafe partial class Fds
{
    private const int AF_UNIX = 1;
    private const int SOCK_STREAM = 1;
    private const int SOCK_NONBLOCK = 0x800;
    private const int SOCK_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadRaw(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteRaw(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    /// <summary>A non-blocking UNIX stream socket pair, each end owned by a handle.</summary>
    internal static (OwnedFd A, OwnedFd B) SocketPair()
    {
        int* fds = stackalloc int[2];
        if (SocketPair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
        {
            throw new InvalidOperationException($"socketpair failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return (new OwnedFd(fds[0]), new OwnedFd(fds[1]));
    }

    /// <summary>A non-blocking pipe: (read end, write end).</summary>
    internal static (OwnedFd Read, OwnedFd Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (Pipe2(fds, 0x800 | 0x80000) != 0)
        {
            throw new InvalidOperationException($"pipe2 failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return (new OwnedFd(fds[0]), new OwnedFd(fds[1]));
    }

    internal static int Write(SafeHandle fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            return (int)WriteRaw(FdOf(fd), p, (nuint)data.Length);
        }
    }

    /// <summary>Reads what is there; returns -1 when nothing is (EAGAIN).</summary>
    internal static int Read(SafeHandle fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return (int)ReadRaw(FdOf(fd), p, (nuint)buffer.Length);
        }
    }

    /// <summary>Reads until the descriptor is empty; returns the number of bytes read.</summary>
    internal static int Drain(SafeHandle fd)
    {
        Span<byte> buffer = stackalloc byte[256];
        int total = 0;
        int n;
        while ((n = Read(fd, buffer)) > 0)
        {
            total += n;
        }
        return total;
    }

    internal static int FdOf(SafeHandle handle) => (int)handle.DangerousGetHandle();

    /// <summary>Number of descriptors this process has open.</summary>
    internal static int OpenCount() => Directory.GetFiles("/proc/self/fd").Length;

    /// <summary>
    /// The count to compare with after a test's work: taken once garbage that earlier tests left (whose finalizers
    /// close descriptors) is finalized, so that it cannot close one in the middle of the measurement. The count after
    /// the work is read without collecting, so a descriptor only a finalizer would close still counts as a leak.
    /// </summary>
    internal static int OpenCountBefore()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return OpenCount();
    }
}

/// <summary>A descriptor owned by the test.</summary>
internal sealed class OwnedFd : SafeHandle
{
    internal OwnedFd(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Fds.Close((int)handle) == 0;
}
