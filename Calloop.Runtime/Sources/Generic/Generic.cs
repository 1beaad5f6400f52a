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
    /// Watches a socket. Disposing the source disposes the socket unless <paramref name="leaveOpen"/> is true.
    /// Put the socket in non-blocking mode (<see cref="Socket.Blocking"/> = false) to read it from callbacks.
    /// </summary>
    /// <remarks>
    /// Unlike other handles, a socket's descriptor is not held open by the source (a <see cref="Socket"/> waits on
    /// dispose for every holder to let go): remove the source before disposing a socket created with
    /// <paramref name="leaveOpen"/>.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The socket is already disposed.</exception>
    public static Generic<Socket> From(Socket socket, Interest interest, Mode mode, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ObjectDisposedException.ThrowIf(socket.SafeHandle.IsClosed, socket);
        return new Generic<Socket>(socket, (int)socket.SafeHandle.DangerousGetHandle(), interest, mode, leaveOpen);
    }

    /// <summary>Watches a raw descriptor that the caller owns and keeps open while the source is in a loop.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The descriptor is negative.</exception>
    public static Generic<FileDescriptor> From(FileDescriptor fd, Interest interest, Mode mode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd.Value, nameof(fd));
        return new Generic<FileDescriptor>(fd, fd.Value, interest, mode);
    }
}
