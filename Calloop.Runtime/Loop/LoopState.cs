using System;

namespace Calloop;

/// <summary>State every loop has regardless of its data type: owner thread, disposal, dispatch re-entrancy.</summary>
internal class LoopState
{
    // The calling thread's managed id, cached per thread: reading a thread-static is inlined, where
    // Environment.CurrentManagedThreadId is a call, and every handle operation checks the thread.
    [ThreadStatic]
    private static int t_threadId;

    private readonly int _ownerThread = Environment.CurrentManagedThreadId;

    private static int CurrentThreadId
    {
        get
        {
            int id = t_threadId;
            return id != 0 ? id : t_threadId = Environment.CurrentManagedThreadId;
        }
    }

    internal bool IsDisposed { get; set; }

    internal bool IsDispatching { get; set; }

    /// <summary>
    /// True while the source whose callback is running has asked, from that callback, to be removed or disabled: a
    /// source that delivers many events from one <c>ProcessEvents</c> call (<see cref="TimerQueue{T}"/>) stops there.
    /// </summary>
    internal virtual bool CurrentSourceStopping => false;

    /// <summary>Throws unless called on the loop's thread, on a live loop.</summary>
    internal void CheckThread(string operation)
    {
        int current = CurrentThreadId;
        if (current != _ownerThread)
        {
            ThrowForeignThread(operation, current);
        }
        if (IsDisposed)
        {
            ThrowDisposed(operation);
        }
    }

    private void ThrowForeignThread(string operation, int current) =>
        throw new InvalidOperationException(
            $"{operation} must be called on the event loop's thread (managed thread {_ownerThread}, which created the loop); it was called from managed thread {current}. " +
            "Only LoopSignal, Ping, channel senders and async continuations may be used from other threads.");

    private static void ThrowDisposed(string operation) =>
        throw new ObjectDisposedException("EventLoop", $"{operation} was called on an event loop that has been disposed.");
}
