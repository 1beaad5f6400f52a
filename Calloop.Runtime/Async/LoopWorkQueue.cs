using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Calloop;

/// <summary>
/// The cross-thread queue behind the async sources: work posted from any thread, run on the loop thread by the
/// owning source's <c>ProcessEvents</c>. A wake-up descriptor in the poller (eventfd on Linux, pipe elsewhere) wakes
/// the loop; wake-ups coalesce through a notified flag, which the consumer clears after reading the descriptor and before draining, so that work queued
/// while it drains always writes the descriptor again and is never left behind.
/// </summary>
internal sealed class LoopWorkQueue : IDisposable
{
    /// <summary>At most this many items run per dispatch; the rest wait for the next one.</summary>
    internal const int MaxPerDispatch = 1024;

    private readonly Waker _waker;
    private readonly Lock _gate = new();
    private WorkItem[] _items = new WorkItem[16];
    private int _head;
    private int _count;
    private volatile bool _closed;
    private int _loopThread = -1;
    private bool _processing;

    internal LoopWorkQueue(string operation)
    {
        _waker = new Waker(operation);
        Context = new LoopSynchronizationContext(this);
        Scheduler = new LoopTaskScheduler(this);
    }

    internal int Fd => _waker.Fd;

    /// <summary>The wake-up descriptor, for the owner to register as a counter (<see cref="Sources.Poll.RegisterCounter"/>).</summary>
    internal Interop.NotifyFd Notifier => _waker.Notifier;

    internal LoopSynchronizationContext Context { get; }

    internal LoopTaskScheduler Scheduler { get; }

    internal bool IsClosed => _closed;

    /// <summary>True on the loop thread while the owning source is running items.</summary>
    internal bool IsRunningHere => _processing && Environment.CurrentManagedThreadId == _loopThread;

    /// <summary>True on the thread of the loop the source is registered with.</summary>
    internal bool IsLoopThread => Environment.CurrentManagedThreadId == Volatile.Read(ref _loopThread);

    /// <summary>True once the source has been registered with a loop (see <see cref="Bind"/>).</summary>
    internal bool IsBound => Volatile.Read(ref _loopThread) != -1;

    internal int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    internal bool IsEmpty
    {
        get
        {
            lock (_gate)
            {
                return _count == 0;
            }
        }
    }

    /// <summary>Records the loop thread (at registration).</summary>
    internal void Bind() => Volatile.Write(ref _loopThread, Environment.CurrentManagedThreadId);

    /// <summary>Queues an item and wakes the loop. Thread-safe. Returns false once the queue is closed.</summary>
    internal bool TryEnqueue(WorkItem item)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }
            if (_count == _items.Length)
            {
                Grow();
            }
            _items[(_head + _count) % _items.Length] = item;
            _count++;
        }
        Notify();
        return true;
    }

    /// <summary>Makes the source's wake-up descriptor readable unless a wake-up is already pending. Thread-safe.</summary>
    internal void Notify() => _waker.Wake();

    /// <summary>
    /// Consumes the wake-up, then clears the notified flag (in that order: see <see cref="Waker"/>); through
    /// <paramref name="poll"/> when the owner registered the descriptor as a counter there.
    /// </summary>
    private void ConsumeWake(Sources.Poll? poll)
    {
        if (poll is not null)
        {
            _waker.Drain(poll);
        }
        else
        {
            _waker.Drain();
        }
    }

    internal bool TryDequeue(out WorkItem item)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                item = default;
                return false;
            }
            item = _items[_head];
            _items[_head] = default;
            _head = (_head + 1) % _items.Length;
            _count--;
            return true;
        }
    }

    /// <summary>
    /// Runs the items queued before this call on the loop thread under <see cref="Context"/>, at most
    /// <see cref="MaxPerDispatch"/> (items queued meanwhile, such as the continuation of a <c>Task.Yield</c>, run at
    /// the next dispatch, so other sources get their turn), calling <paramref name="afterEach"/> after every item (the owner delivers results there). When items are
    /// left (or an item throws), the queue wakes the loop again so that nothing is lost. The wake-up is consumed first,
    /// through <paramref name="poll"/> when the owner registered it as a counter (<see cref="Polling.FdRegistration.CounterPoll"/>).
    /// </summary>
    internal void RunBatch<TAfter>(Sources.Poll? poll, ref TAfter afterEach)
        where TAfter : IAfterWork, allows ref struct
    {
        ConsumeWake(poll);
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(Context);
        _processing = true;
        bool more = true;
        try
        {
            afterEach.AfterWork();
            int budget = Math.Min(MaxPerDispatch, Count);
            while (budget > 0 && TryDequeue(out WorkItem item))
            {
                budget--;
                Run(item);
                afterEach.AfterWork();
            }
            more = !IsEmpty || afterEach.HasPending;
        }
        finally
        {
            _processing = false;
            SynchronizationContext.SetSynchronizationContext(previous);
            if (more)
            {
                Notify();
            }
        }
    }

    private void Run(in WorkItem item)
    {
        switch (item.Target)
        {
            case LoopWork work:
                work.Execute();
                break;
            case Task task:
                Scheduler.Run(task);
                break;
            case SendOrPostCallback callback:
                callback(item.State);
                break;
        }
    }

    /// <summary>The tasks queued to <see cref="Scheduler"/> and not yet run (for debuggers).</summary>
    internal List<Task> SnapshotTasks()
    {
        var tasks = new List<Task>();
        lock (_gate)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_items[(_head + i) % _items.Length].Target is Task t)
                {
                    tasks.Add(t);
                }
            }
        }
        return tasks;
    }

    /// <summary>Refuses further work, drops what is queued and closes the wake-up descriptor. Harmless when repeated.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            Array.Clear(_items);
            _count = 0;
        }
        _waker.Dispose();
    }

    private void Grow()
    {
        var bigger = new WorkItem[_items.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = _items[(_head + i) % _items.Length];
        }
        _items = bigger;
        _head = 0;
    }
}
