using System;

namespace Calloop;

/// <summary>State every loop has regardless of its data type: owner thread, disposal, dispatch re-entrancy.</summary>
internal class LoopState
{
    private readonly int _ownerThread = Environment.CurrentManagedThreadId;

    internal bool IsDisposed { get; set; }

    internal bool IsDispatching { get; set; }

    /// <summary>Throws unless called on the loop's thread, on a live loop.</summary>
    internal void CheckThread(string operation)
    {
        int current = Environment.CurrentManagedThreadId;
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
