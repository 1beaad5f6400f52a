using System;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Calloop.Interop;
using Calloop.Polling;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// An event source draining a <see cref="ChannelReader{T}"/> of <c>System.Threading.Channels</c>: each item is
/// delivered on the loop's thread; once the writer completed and every item was read, one
/// <see cref="ChannelEvent{T}.IsClosed"/> event is delivered and the source removes itself.
/// </summary>
/// <remarks>
/// While the reader is empty the source waits with <see cref="ChannelReader{T}.WaitToReadAsync"/>, whose
/// continuation (on whatever thread completes it) writes a notifier (eventfd on Linux, pipe elsewhere) that wakes the
/// loop. At most <see cref="Channel.MaxMessagesPerDispatch"/> items are delivered per dispatch. A writer that completed with an
/// exception still ends the stream with the closing event; <see cref="ChannelReader{T}.Completion"/> tells why.
/// </remarks>
/// <typeparam name="T">The item type.</typeparam>
public sealed class ChannelReaderSource<T> : IEventSource<ChannelEvent<T>, Unit, Unit>, IDisposable
{
    private readonly ChannelReader<T> _reader;
    private const string WriteOperation = "write (channel reader notifier)";
    private readonly NotifyFd _fd;
    private readonly Action _onWaitCompleted;
    private ConfiguredValueTaskAwaitable<bool>.ConfiguredValueTaskAwaiter _waiter;
    private bool _waiting;
    private volatile bool _completedWaitSawEnd;
    private bool _closedDelivered;
    private FdRegistration _registration;
    private bool _disposed;

    internal ChannelReaderSource(ChannelReader<T> reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _reader = reader;
        _fd = new NotifyFd("channel reader");
        _onWaitCompleted = OnWaitCompleted;
        // Start in the "maybe readable" state so that items already queued are delivered by the first dispatch.
        _fd.Add(1, WriteOperation);
    }

    /// <summary>The reader being drained.</summary>
    public ChannelReader<T> Reader => _reader;

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.Register(poll, ref tokenFactory, _fd.ReadFd);
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.Reregister(poll, ref tokenFactory, _fd.ReadFd);
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        _registration.Unregister(poll, _fd.ReadFd);
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<ChannelEvent<T>, Unit, Unit>, allows ref struct
    {
        if (!_registration.Owns(token))
        {
            return PostAction.Continue;
        }
        _fd.Take("read (channel reader notifier)");
        if (_closedDelivered)
        {
            return PostAction.Remove;
        }
        if (_waiting)
        {
            // The wait completed (that is what wrote the notifier).
            _waiting = false;
        }

        Unit metadata = default;
        bool rearm = true;
        try
        {
            for (int i = 0; i < Channel.MaxMessagesPerDispatch; i++)
            {
                if (!_reader.TryRead(out T? item))
                {
                    rearm = false;
                    break;
                }
                callback.Invoke(ChannelEvent<T>.Of(item), ref metadata);
            }
            if (rearm)
            {
                return PostAction.Continue;
            }
            if (_completedWaitSawEnd || _reader.Completion.IsCompleted || !StartWait())
            {
                _closedDelivered = true;
                rearm = true;
                callback.Invoke(ChannelEvent<T>.Closed, ref metadata);
                rearm = false;
                return PostAction.Remove;
            }
            return PostAction.Continue;
        }
        finally
        {
            if (rearm)
            {
                _fd.Add(1, WriteOperation);
            }
        }
    }

    /// <summary>Stops draining and closes the notifier. Harmless when repeated.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _fd.Dispose();
        }
    }

    /// <summary>Waits for the reader; returns false when the wait finished at once with "no more items".</summary>
    private bool StartWait()
    {
        // The ValueTask is consumed once: its result is read now, or it gets exactly one continuation.
#pragma warning disable CA2012
        ConfiguredValueTaskAwaitable<bool>.ConfiguredValueTaskAwaiter waiter =
            _reader.WaitToReadAsync().ConfigureAwait(false).GetAwaiter();
#pragma warning restore CA2012
        if (waiter.IsCompleted)
        {
            if (SafeResult(waiter))
            {
                _fd.Add(1, WriteOperation);
                return true;
            }
            return false;
        }
        _waiting = true;
        _waiter = waiter;
        waiter.UnsafeOnCompleted(_onWaitCompleted);
        return true;
    }

    private void OnWaitCompleted()
    {
        if (!SafeResult(_waiter))
        {
            _completedWaitSawEnd = true;
        }
        // A no-op once the source is gone.
        _fd.Add(1, WriteOperation);
    }

    private static bool SafeResult(ConfiguredValueTaskAwaitable<bool>.ConfiguredValueTaskAwaiter waiter)
    {
        try
        {
            return waiter.GetResult();
        }
        catch (Exception)
        {
            // A writer completed with an error: the stream is over; Reader.Completion carries the exception.
            return false;
        }
    }
}
