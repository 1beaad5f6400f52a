using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace Calloop;

/// <summary>Async/await on a loop: descriptors adapted for awaiting readiness, and a timer to await.</summary>
public static class LoopHandleAsync
{
    /// <summary>
    /// Adapts a socket for async/await on this loop (and sets <see cref="Socket.Blocking"/> to false). Disposing the
    /// adapter disposes the socket unless <paramref name="leaveOpen"/> is true.
    /// </summary>
    /// <exception cref="CalloopException">The descriptor could not be registered with the poller.</exception>
    /// <exception cref="InvalidOperationException">Called from another thread than the loop's.</exception>
    public static AsyncIo<Socket> AdaptIo<TData>(this LoopHandle<TData> handle, Socket socket, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(socket);
        handle.Registry.State.CheckThread("LoopHandle.AdaptIo");
        socket.Blocking = false;
        SafeHandle owner = socket.SafeHandle;
        return AsyncIo<Socket>.Create(handle, socket, owner, (int)owner.DangerousGetHandle(), leaveOpen);
    }

    /// <summary>
    /// Adapts the descriptor a <see cref="SafeHandle"/> owns for async/await on this loop (switching it to
    /// non-blocking mode). The handle cannot close the descriptor while the adapter lives; disposing the adapter
    /// disposes the handle unless <paramref name="leaveOpen"/> is true.
    /// </summary>
    /// <inheritdoc cref="AdaptIo{TData}(LoopHandle{TData}, Socket, bool)"/>
    public static AsyncIo<THandle> AdaptIo<TData, THandle>(this LoopHandle<TData> handle, THandle fileHandle, bool leaveOpen = false)
        where THandle : SafeHandle
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(fileHandle);
        ObjectDisposedException.ThrowIf(fileHandle.IsClosed, fileHandle);
        return AsyncIo<THandle>.Create(handle, fileHandle, fileHandle, (int)fileHandle.DangerousGetHandle(), leaveOpen);
    }

    /// <summary>
    /// Adapts a raw descriptor, which the caller owns and keeps open while the adapter lives, for async/await on
    /// this loop (switching it to non-blocking mode).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The descriptor is negative.</exception>
    /// <inheritdoc cref="AdaptIo{TData}(LoopHandle{TData}, Socket, bool)"/>
    public static AsyncIo<FileDescriptor> AdaptIo<TData>(this LoopHandle<TData> handle, FileDescriptor fd)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentOutOfRangeException.ThrowIfNegative(fd.Value, nameof(fd));
        return AsyncIo<FileDescriptor>.Create(handle, fd, null, fd.Value, leaveOpen: true);
    }

    /// <summary>
    /// A task that completes after <paramref name="delay"/>, driven by a timer of this loop (so it never completes
    /// early, and its continuation runs on the loop thread when awaited there). <see cref="Timeout.InfiniteTimeSpan"/>
    /// never completes unless canceled.
    /// </summary>
    /// <param name="handle">The loop's handle.</param>
    /// <param name="delay">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait: the task ends canceled and the timer leaves the loop (at once on the loop thread; from another thread, at the start of the loop's next dispatch, which the cancellation wakes).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    /// <exception cref="InvalidOperationException">Called from another thread than the loop's.</exception>
    public static Task Delay<TData>(this LoopHandle<TData> handle, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (delay < TimeSpan.Zero && delay != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "LoopHandle.Delay: the delay must not be negative (Timeout.InfiniteTimeSpan waits forever).");
        }
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }
        var state = new DelayState<TData>(handle);
        state.Start(delay == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : delay, cancellationToken);
        return state.Task;
    }
}
