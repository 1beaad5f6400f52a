using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Calloop;

/// <summary>Creates <see cref="Generic{T}"/> sources.</summary>
public static class Generic
{
    /// <summary>
    /// Watches the descriptor a <see cref="SafeHandle"/> owns. While the source lives the handle's descriptor
    /// stays open even if the handle is disposed; disposing the source disposes the handle unless
    /// <paramref name="leaveOpen"/> is true.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle is already closed.</exception>
    public static Generic<THandle> From<THandle>(THandle handle, Interest interest, Mode mode, bool leaveOpen = false)
        where THandle : SafeHandle
    {
        ArgumentNullException.ThrowIfNull(handle);
        return new Generic<THandle>(handle, handle, interest, mode, leaveOpen);
    }

    /// <summary>
    /// Watches a socket. While the source lives the socket's descriptor stays open; disposing the source
    /// disposes the socket unless <paramref name="leaveOpen"/> is true. Put the socket in non-blocking mode
    /// (<see cref="Socket.Blocking"/> = false) to read it from callbacks.
    /// </summary>
    public static Generic<Socket> From(Socket socket, Interest interest, Mode mode, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return new Generic<Socket>(socket, socket.SafeHandle, interest, mode, leaveOpen);
    }

    /// <summary>Watches a raw descriptor that the caller owns and keeps open while the source is in a loop.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The descriptor is negative.</exception>
    public static Generic<FileDescriptor> From(FileDescriptor fd, Interest interest, Mode mode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd.Value, nameof(fd));
        return new Generic<FileDescriptor>(fd, fd.Value, interest, mode);
    }
}
