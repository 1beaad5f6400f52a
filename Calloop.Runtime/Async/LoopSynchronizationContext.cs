using System;
using System.Threading;

namespace Calloop;

/// <summary>
/// The <see cref="SynchronizationContext"/> of an async source (an <see cref="Executor{T}"/> or an
/// <see cref="AsyncStreamSource{T}"/>): work it receives runs on the loop thread, in the source's next dispatch.
/// It is <see cref="SynchronizationContext.Current"/> while the source runs its work, so every <c>await</c>
/// in that work resumes on the loop thread. Thread-safe. Work posted after the source has left its loop is dropped.
/// </summary>
public sealed class LoopSynchronizationContext : SynchronizationContext
{
    private readonly LoopWorkQueue _queue;

    internal LoopSynchronizationContext(LoopWorkQueue queue) => _queue = queue;

    /// <summary>True on the thread of the loop the source is registered with.</summary>
    internal bool IsLoopThread => _queue.IsLoopThread;

    /// <summary>Queues <paramref name="d"/> to run on the loop thread. Thread-safe; never blocks.</summary>
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        _queue.TryEnqueue(new WorkItem(d, state));
    }

    /// <summary>
    /// Runs <paramref name="d"/> on the loop thread and waits for it: at once when called on the loop thread,
    /// otherwise by posting it and blocking until the loop has run it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The source has left its loop, so the work can never run.</exception>
    /// <exception cref="InvalidOperationException">The source is not in a loop yet, so nothing would run the work.</exception>
    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (_queue.IsLoopThread)
        {
            d(state);
            return;
        }
        if (!_queue.IsBound)
        {
            throw new InvalidOperationException("LoopSynchronizationContext.Send: the async source is not in an event loop yet, so nothing would run the work (it would wait forever).");
        }
        using var done = new ManualResetEventSlim();
        Exception? error = null;
        bool queued = _queue.TryEnqueue(new WorkItem((SendOrPostCallback)(_ =>
        {
            try
            {
                d(state);
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                done.Set();
            }
        }), null));
        if (!queued)
        {
            throw new ObjectDisposedException(nameof(LoopSynchronizationContext), "LoopSynchronizationContext.Send: the async source has left its event loop.");
        }
        done.Wait();
        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>Returns this context: copies would compare unequal and defeat inlining.</summary>
    public override SynchronizationContext CreateCopy() => this;
}
