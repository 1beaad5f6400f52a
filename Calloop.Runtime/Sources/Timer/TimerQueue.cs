using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;
using Calloop.Collections;
using Calloop.Sources;
using Calloop.Timers;

namespace Calloop;

/// <summary>
/// One event source holding many timers, each with a payload (a connection id, say): for servers that keep a timeout
/// per connection. Timers are added, moved and cancelled through versioned <see cref="TimerQueueHandle"/>s, live in
/// pooled struct arrays (no object per timer), and cost no allocation once the queue has grown to its working size.
/// The callback receives the payload of each expired timer, in deadline order (equal deadlines in the order the timers
/// were added or last rescheduled), with a <see cref="FiredTimer"/> as metadata, and returns a
/// <see cref="TimeoutAction"/>: <see cref="TimeoutAction.Drop"/> ends the timer, the others re-arm it under the same handle.
/// </summary>
/// <remarks>
/// <para>
/// The queue keeps its timers in a timer wheel of its own (O(1) add, cancel and reschedule, exact deadlines) and holds
/// one timer in the loop, at its earliest deadline, so that the loop wakes once for all of them and the due timers are
/// delivered in one pass, without an event per timer. Timers never fire early, against the loop's clock (its
/// <see cref="EventLoopOptions.TimeProvider"/> included); <see cref="EventLoopOptions.TimerSlack"/> applies to the queue's
/// wake-ups as to any timer. Relative to the loop's other sources, the queue's due timers run together, when the loop
/// delivers the queue's own timer.
/// </para>
/// <para>
/// Before it is inserted the queue is an ordinary collection: timers may be added (and cancelled) from one thread at a
/// time, and they start counting when the queue is inserted. Once inserted, every member but <see cref="Count"/> must
/// be called on the loop's thread (another thread gets <see cref="InvalidOperationException"/>), from anywhere on it,
/// the queue's own callbacks included. A timer added or re-armed from a callback with a deadline that has passed does not
/// fire in the running batch: it fires at the next dispatch, or, when the batch was cut short, right after the rest of
/// it (which has a dispatch of its own). Removing the queue from its loop disposes it, which drops every timer.
/// </para>
/// <para>
/// Timers that come due while a batch runs are run in the same dispatch once it is done, instead of waking the loop again
/// for each: all but those the batch's own callbacks added or re-armed, and at most as many as the batch started with,
/// so that a queue whose callbacks fall behind its timers does not starve the loop's other sources. A pass that finds
/// timers the batch added or re-armed already due is the last (the next would only set them aside again): the late
/// timers after them wait for the next dispatch. What the limit leaves, like the rest of a batch a throwing callback or
/// a disable interrupted, is delivered first, in a dispatch of its own; each dispatch fires its timers in deadline order.
/// </para>
/// <para>
/// After a burst, the queue gives back the memory of its slots once they have stayed less than a quarter in use for
/// about a second (checked before each wait of the loop), or at once with <see cref="TrimExcess"/>.
/// </para>
/// </remarks>
/// <typeparam name="T">The payload each timer carries, handed to the callback when it fires.</typeparam>
/// <example><code>
/// var timeouts = new TimerQueue&lt;int&gt;();
/// handle.InsertSource(timeouts, (connection, ref timer, ref app) =>
/// {
///     app.Close(connection);                     // idle for 30 s
///     return TimeoutAction.Drop;
/// });
/// TimerQueueHandle h = timeouts.Add(TimeSpan.FromSeconds(30), connectionId);
/// timeouts.Reschedule(h, Instant.Now + TimeSpan.FromSeconds(30));   // on activity
/// timeouts.Cancel(h);                                                // on close
/// </code></example>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: of timers, ordered by deadline, as in the timer queues of other loops.")]
public sealed class TimerQueue<T> : IEventSource<T, FiredTimer, TimeoutAction>, IOwnedSource, IDisposable
{
    // A live slot's link field holds its state; a free slot's holds the free list's next index (-1 or more).
    private const int Pending = -2;
    private const int Never = -3;
    private const int Firing = -4;

    private const int InitialDue = 64;

    private static int s_lastQueueId;

    private readonly int _id = Interlocked.Increment(ref s_lastQueueId);
    private readonly int _capacity;
    private Arena<Slot> _slots;
    private TimerWheel? _wheel;
    private DueTimer[] _due = new DueTimer[InitialDue];
    private int _dueCount;
    private int _dueNext;
    // Timers the batch's own callbacks scheduled that a later pass found due: they go back in the wheel for the next dispatch.
    private DueTimer[] _deferred = [];
    private int _deferredCount;
    // Wheel sequences from this one on were scheduled by the running batch's callbacks.
    private long _batchFloor;
    private bool _inBatch;
    private bool _disposed;
    private TrimSchedule _trimSchedule;
    // The highest version a freed slot has had: an emptied queue hands its slots out afresh above it.
    private int _maxFreedVersion;

    // The loop the queue is in: its poller (whose wheel holds the queue's one loop timer), state and token.
    private Poll? _poll;
    private LoopState? _state;
    private Token _token;
    private bool _registered;
    private TimerKey _armedKey;
    private long _armedNs = long.MaxValue;
    private object? _owner;

    /// <summary>Creates an empty queue.</summary>
    public TimerQueue()
        : this(0)
    {
    }

    /// <summary>Creates an empty queue with room for <paramref name="capacity"/> timers, which trimming keeps.</summary>
    /// <param name="capacity">How many timers the queue is sized for up front (it grows past that as needed).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is negative.</exception>
    public TimerQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
        _slots = new Arena<Slot>(16);
        _slots.Reserve(capacity);
    }

    /// <summary>Gets the number of timers in the queue (scheduled, or with a deadline that never comes).</summary>
    public int Count => _slots.Live;

    /// <summary>Adds a timer that fires at <paramref name="deadline"/> (at the next dispatch if it has passed; never for <see cref="Instant.MaxValue"/>).</summary>
    /// <param name="deadline">When the timer fires, on the loop's clock.</param>
    /// <param name="payload">What the callback receives when the timer fires.</param>
    /// <returns>The timer's handle, for <see cref="Cancel"/> and <see cref="Reschedule(TimerQueueHandle, Instant)"/>.</returns>
    /// <exception cref="InvalidOperationException">The queue is in a loop and this is not the loop's thread.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed (removed from its loop).</exception>
    public TimerQueueHandle Add(Instant deadline, T payload)
    {
        _state?.CheckThread("TimerQueue.Add");
        if (_disposed)
        {
            ThrowDisposed("TimerQueue.Add");
        }
        _wheel ??= new TimerWheel(Instant.Now.Nanoseconds, _capacity, recycleBuckets: true);
        int index = _slots.Allocate();
        ref Slot slot = ref _slots[index];
        slot.Payload = payload;
        Schedule(index, ref slot, deadline.Nanoseconds);
        return new TimerQueueHandle(index, slot.Version, _id);
    }

    /// <summary>Adds a timer that fires <paramref name="after"/> from now (<see cref="Instant.Now"/>; <see cref="TimeSpan.MaxValue"/> never fires).</summary>
    /// <param name="after">How long from now the timer fires.</param>
    /// <param name="payload">What the callback receives when the timer fires.</param>
    /// <inheritdoc cref="Add(Instant, T)"/>
    public TimerQueueHandle Add(TimeSpan after, T payload) => Add(Instant.Now + after, payload);

    /// <summary>
    /// Cancels a timer. From the timer's own callback, the timer ends when the callback returns, whatever it returns.
    /// </summary>
    /// <param name="handle">The timer's handle.</param>
    /// <returns>True if the timer was in the queue; false for a stale handle (fired and dropped, cancelled) or <c>default</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="handle"/> was issued by another queue.</exception>
    /// <exception cref="InvalidOperationException">The queue is in a loop and this is not the loop's thread.</exception>
    public bool Cancel(TimerQueueHandle handle)
    {
        _state?.CheckThread("TimerQueue.Cancel");
        if (!Resolve(handle, "TimerQueue.Cancel"))
        {
            return false;
        }
        ref Slot slot = ref _slots[handle.Index];
        if (slot.State == Pending)
        {
            _wheel!.Cancel(slot.Key);
        }
        Free(handle.Index, ref slot);
        if (_slots.Live == 0)
        {
            CompactWhenEmpty();
        }
        return true;
    }

    /// <summary>
    /// Moves a timer to <paramref name="deadline"/>, keeping its handle and payload; among equal deadlines it now comes
    /// after the timers already there. From the timer's own callback, this takes the place of what the callback returns.
    /// </summary>
    /// <param name="handle">The timer's handle.</param>
    /// <param name="deadline">The new deadline (at the next dispatch if it has passed; never for <see cref="Instant.MaxValue"/>).</param>
    /// <returns>True if the timer was in the queue; false for a stale handle or <c>default</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="handle"/> was issued by another queue.</exception>
    /// <exception cref="InvalidOperationException">The queue is in a loop and this is not the loop's thread.</exception>
    public bool Reschedule(TimerQueueHandle handle, Instant deadline)
    {
        _state?.CheckThread("TimerQueue.Reschedule");
        if (!Resolve(handle, "TimerQueue.Reschedule"))
        {
            return false;
        }
        ref Slot slot = ref _slots[handle.Index];
        if (slot.State == Pending)
        {
            _wheel!.Cancel(slot.Key);
        }
        Schedule(handle.Index, ref slot, deadline.Nanoseconds);
        return true;
    }

    /// <summary>Moves a timer to <paramref name="after"/> from now (<see cref="Instant.Now"/>).</summary>
    /// <param name="handle">The timer's handle.</param>
    /// <param name="after">How long from now the timer fires.</param>
    /// <inheritdoc cref="Reschedule(TimerQueueHandle, Instant)"/>
    public bool Reschedule(TimerQueueHandle handle, TimeSpan after) => Reschedule(handle, Instant.Now + after);

    /// <summary>True while <paramref name="handle"/> names a timer in this queue (one whose callback is running included).</summary>
    /// <param name="handle">The timer's handle.</param>
    /// <exception cref="ArgumentException"><paramref name="handle"/> was issued by another queue.</exception>
    /// <exception cref="InvalidOperationException">The queue is in a loop and this is not the loop's thread.</exception>
    public bool Contains(TimerQueueHandle handle)
    {
        _state?.CheckThread("TimerQueue.Contains");
        return Resolve(handle, "TimerQueue.Contains");
    }

    /// <summary>Gets the deadline of a timer in the queue (for a timer whose callback is running, the deadline it fired for).</summary>
    /// <param name="handle">The timer's handle.</param>
    /// <param name="deadline">The deadline; <see cref="Instant.MaxValue"/> for a timer that never fires.</param>
    /// <returns>False for a stale handle or <c>default</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="handle"/> was issued by another queue.</exception>
    /// <exception cref="InvalidOperationException">The queue is in a loop and this is not the loop's thread.</exception>
    public bool TryGetDeadline(TimerQueueHandle handle, out Instant deadline)
    {
        _state?.CheckThread("TimerQueue.TryGetDeadline");
        if (!Resolve(handle, "TimerQueue.TryGetDeadline"))
        {
            deadline = default;
            return false;
        }
        deadline = Instant.FromNanoseconds(_slots[handle.Index].Deadline);
        return true;
    }

    /// <summary>Cancels every timer: every handle the queue issued becomes stale.</summary>
    /// <exception cref="InvalidOperationException">The queue is in a loop and this is not the loop's thread.</exception>
    public void Clear()
    {
        _state?.CheckThread("TimerQueue.Clear");
        for (int i = 0; i < _slots.Used; i++)
        {
            ref Slot slot = ref _slots[i];
            if (slot.IsLive)
            {
                if (slot.State == Pending)
                {
                    _wheel!.Cancel(slot.Key);
                }
                Free(i, ref slot);
            }
        }
        _dueCount = 0;
        _dueNext = 0;
        CompactWhenEmpty();
    }

    /// <summary>
    /// Gives back the memory a burst of timers left behind: slots past the highest one in use (but not below the
    /// capacity the queue was created with), wheel buckets grown past what their timers need, and scratch arrays.
    /// The queue does this by itself once it has stayed less than a quarter full for about a second.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from one of the queue's own callbacks, or (the queue being in a loop) from another thread.</exception>
    public void TrimExcess()
    {
        _state?.CheckThread("TimerQueue.TrimExcess");
        if (_inBatch)
        {
            throw new InvalidOperationException("TimerQueue.TrimExcess cannot be called from one of the queue's own callbacks.");
        }
        Trim();
    }

    /// <summary>
    /// Drops every timer and stops the queue: later <see cref="Add(Instant, T)"/> calls throw, and every handle is
    /// stale. The loop calls this when it removes the queue; harmless when repeated.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _state?.CheckThread("TimerQueue.Dispose");
        if (_registered && _armedNs != long.MaxValue)
        {
            _poll!.Timers.Cancel(_armedKey);
        }
        _registered = false;
        _armedNs = long.MaxValue;
        _disposed = true;
        _dueCount = 0;
        _dueNext = 0;
        // Out of its loop, the queue is bound to no thread: a stale handle may be cancelled (false) from anywhere.
        _state = null;
        _poll = null;
        _wheel = null;
        _slots = new Arena<Slot>(1);
        _due = [];
        _deferred = [];
    }

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        if (_disposed)
        {
            ThrowDisposed("LoopHandle.InsertSource");
        }
        _poll = poll;
        _state = poll.State;
        _token = tokenFactory.NextToken();
        _registered = true;
        _armedNs = long.MaxValue;
        Arm();
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        Unregister(poll);
        Register(poll, ref tokenFactory);
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        if (_registered && _armedNs != long.MaxValue)
        {
            poll.Timers.Cancel(_armedKey);
        }
        _armedNs = long.MaxValue;
        _registered = false;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Takes every timer due now out of the queue's wheel and calls <paramref name="callback"/> for each, in deadline
    /// order, then the timers that came due meanwhile (see the class remarks). A timer cancelled or rescheduled by an
    /// earlier callback of the batch is skipped. If a callback throws, its
    /// timer and the rest of the batch stay due and are delivered first when the loop next collects events (as a
    /// <see cref="TimerSource"/> whose callback threw is retried); if a callback removes or
    /// disables the queue, the batch stops after that callback (a disabled queue resumes it when enabled).
    /// </remarks>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<T, FiredTimer, TimeoutAction>, allows ref struct
    {
        if (token != _token || !_registered)
        {
            return PostAction.Continue;
        }
        _batchFloor = _wheel?.NextSequence ?? 0;
        // The rest of an interrupted batch runs in a dispatch of its own, so that each dispatch fires in deadline order.
        bool resumed = _dueNext < _dueCount;
        if (!resumed)
        {
            _dueNext = 0;
            _dueCount = 0;
            if (_wheel is { Count: > 0 } wheel)
            {
                var sink = new DueSink(this, long.MaxValue);
                wheel.TakeExpired(Instant.Now.Nanoseconds, ref sink);
            }
        }
        _inBatch = true;
        try
        {
            int ran = RunBatch(ref callback, int.MaxValue);
            if (!resumed)
            {
                RunLateTimers(ref callback, ran);
            }
        }
        finally
        {
            _inBatch = false;
            if (_wheel is { Count: 0 })
            {
                CompactWhenEmpty();
            }
            Arm();
        }
        return PostAction.Continue;
    }

    /// <summary>
    /// Timers that came due while the batch ran: taken and run in the same dispatch, pass after pass, instead of a wake-up
    /// each. Only timers that were in the queue before the batch began count (what its callbacks added or re-armed waits
    /// for the next dispatch), and at most <paramref name="budget"/> of them, so that a queue whose callbacks fall behind
    /// its timers still lets the loop's other sources run; the rest of a pass stays due for the next dispatch. A pass that
    /// had to set timers aside is the last: the next would only take them out again.
    /// </summary>
    private void RunLateTimers<TCallback>(ref TCallback callback, int budget)
        where TCallback : IEventCallback<T, FiredTimer, TimeoutAction>, allows ref struct
    {
        while (budget > 0 && !_disposed && !_state!.CurrentSourceStopping && _dueNext >= _dueCount && _wheel is { Count: > 0 } wheel)
        {
            long now = Instant.Now.Nanoseconds;
            if (wheel.NextWakeNs() is not long next || next > now)
            {
                return;
            }
            _dueNext = 0;
            _dueCount = 0;
            var sink = new DueSink(this, _batchFloor);
            wheel.TakeExpired(now, ref sink);
            bool setAside = _deferredCount != 0;
            PutBackDeferred();
            if (_dueCount == 0)
            {
                return;
            }
            budget -= RunBatch(ref callback, budget);
            if (setAside)
            {
                return;
            }
        }
    }

    /// <summary>Runs the batch's entries, at most <paramref name="limit"/> of them; returns how many it went through.</summary>
    private int RunBatch<TCallback>(ref TCallback callback, int limit)
        where TCallback : IEventCallback<T, FiredTimer, TimeoutAction>, allows ref struct
    {
        LoopState state = _state!;
        int start = _dueNext;
        int end = (int)Math.Min(_dueCount, (long)start + limit);
        while (_dueNext < end)
        {
            PrefetchAhead();
            DueTimer due = _due[_dueNext];
            int index = (int)(uint)due.Token;
            ref Slot slot = ref _slots[index];
            if (slot.Stamp != (int)(due.Token >> 32))
            {
                // Cancelled, or rescheduled, since it expired.
                _dueNext++;
                continue;
            }
            slot.State = Firing;
            int version = slot.Version;
            var fired = new FiredTimer(new TimerQueueHandle(index, version, _id), Instant.FromNanoseconds(due.Deadline));
            TimeoutAction action;
            try
            {
                action = callback.Invoke(slot.Payload, ref fired);
            }
            catch
            {
                // The timer stays due, at the head of the rest of the batch: both are delivered by the next dispatch
                // (unless the error policy disables or removes the queue). Its stamp is unchanged, so its entry is valid.
                if (!_disposed)
                {
                    ref Slot failed = ref _slots[index];
                    if (failed.Version == version && failed.State == Firing)
                    {
                        failed.State = Pending;
                    }
                    else
                    {
                        _dueNext++;
                    }
                }
                throw;
            }
            if (_disposed)
            {
                return _dueNext - start;
            }
            _dueNext++;
            // Re-read: the callback may have added timers, which can move the slots (while they fit in one array).
            ref Slot after = ref _slots[index];
            if (after.Version == version && after.State == Firing)
            {
                // Neither cancelled nor rescheduled by the callback itself: what it returned decides.
                if (action.IsDrop)
                {
                    Free(index, ref after);
                }
                else
                {
                    Schedule(index, ref after, action.NextDeadline(Instant.Now)!.Value.Nanoseconds);
                }
            }
            if (state.CurrentSourceStopping)
            {
                break;
            }
        }
        return _dueNext - start;
    }

    /// <summary>Asks the processor for the slot of the timer 8 places ahead in the batch (slots are visited in deadline order, not memory order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe void PrefetchAhead()
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported && _dueNext + 8 < _dueCount)
        {
            int ahead = (int)(uint)_due[_dueNext + 8].Token;
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref _slots[ahead]));
        }
    }

    /// <summary>Puts the timer in <paramref name="index"/> in the wheel for <paramref name="deadlineNs"/> (or nowhere, for never).</summary>
    private void Schedule(int index, ref Slot slot, long deadlineNs)
    {
        // A new stamp: an expiry of the timer's earlier schedule, still in the batch, no longer matches it.
        slot.Stamp++;
        slot.Deadline = deadlineNs;
        if (deadlineNs == long.MaxValue)
        {
            slot.State = Never;
            return;
        }
        slot.State = Pending;
        slot.Key = _wheel!.Insert(deadlineNs, ((ulong)(uint)slot.Stamp << 32) | (uint)index);
        if (deadlineNs < _armedNs && _registered && !_inBatch)
        {
            // Earlier than the loop timer: move it. (During the batch, the loop timer is set once the batch ends.)
            SetLoopTimer(deadlineNs);
        }
    }

    private void Free(int index, ref Slot slot)
    {
        slot.Stamp++;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            slot.Payload = default!;
        }
        _slots.Free(index);
        int version = _slots[index].Version;
        if (version > _maxFreedVersion)
        {
            _maxFreedVersion = version;
        }
    }

    /// <summary>
    /// Once the queue is empty: hands slots and wheel nodes out in index order again. Timers freed in deadline order
    /// leave free lists in random memory order, and a burst added from them would touch a random slot and node per
    /// timer (measured: S2q at 1M timers). Nothing refers to a free node any more; every handle given out stays stale,
    /// since new slots start above the highest version any had.
    /// </summary>
    private void CompactWhenEmpty()
    {
        if (_dueNext < _dueCount)
        {
            return;
        }
        _wheel?.ResetNodesWhenEmpty();
        if (_slots.Live == 0 && _slots.Used != 0 && _maxFreedVersion < int.MaxValue)
        {
            _slots.ResetEmpty(_maxFreedVersion + 1);
        }
    }

    /// <summary>
    /// True when <paramref name="handle"/> names a live timer of this queue; false for a stale handle or <c>default</c>.
    /// Throws for a handle of another queue: acting on nothing there would hide the mistake.
    /// </summary>
    private bool Resolve(TimerQueueHandle handle, string operation)
    {
        if (handle.QueueId != _id)
        {
            if (handle.QueueId == 0)
            {
                return false;
            }
            throw new ArgumentException($"{operation}: {handle} was issued by another TimerQueue (this is queue {_id}); use it with the queue that issued it.", nameof(handle));
        }
        return (uint)handle.Index < (uint)_slots.Used && _slots[handle.Index].Version == handle.Version;
    }

    /// <summary>Sets the queue's loop timer for what comes next: the rest of an interrupted batch, else the wheel's next wake-up.</summary>
    private void Arm()
    {
        if (!_registered)
        {
            return;
        }
        long wake = long.MaxValue;
        if (_dueNext < _dueCount)
        {
            wake = _due[_dueNext].Deadline;
        }
        else if (_wheel is { Count: > 0 } wheel && wheel.NextWakeNs() is long next)
        {
            wake = next;
        }
        if (wake == _armedNs && wake != long.MaxValue && _poll!.Timers.IsPending(_armedKey))
        {
            return;
        }
        SetLoopTimer(wake);
    }

    private void SetLoopTimer(long wakeNs)
    {
        TimerWheel timers = _poll!.Timers;
        if (_armedNs != long.MaxValue)
        {
            timers.Cancel(_armedKey);
        }
        _armedNs = wakeNs;
        if (wakeNs != long.MaxValue)
        {
            _armedKey = timers.Insert(wakeNs, _token.Value);
        }
    }

    private void Trim()
    {
        _trimSchedule.Reset();
        if (_dueNext < _dueCount)
        {
            // The rest of an interrupted batch names slots by index and stamp; trimmed slots would come back with
            // fresh stamps that such an entry could match. Trim once the batch is done.
            return;
        }
        _slots.TrimExcess(Math.Max(_capacity, 16));
        _wheel?.TrimExcess();
        _deferred = [];
        if (_due.Length > InitialDue)
        {
            _due = new DueTimer[InitialDue];
            _dueCount = 0;
            _dueNext = 0;
        }
    }

    /// <summary>Before each wait: trims once the queue has stayed sparse for <see cref="TrimSchedule.DelayMs"/>, as the loop trims its own tables.</summary>
    private void TrimWhenSparse()
    {
        // By capacity, not by the slots handed out: an emptied queue hands its slots out from the start again. The batch
        // array is trimmed with them, not on its own: a steady load that fires many timers at a time must keep it.
        bool sparse = IsSparse(_slots.Capacity, _slots.Live) || (_wheel is { } wheel && IsSparse(wheel.NodeCapacity, wheel.Count));
        if (_trimSchedule.IsDue(sparse))
        {
            Trim();
        }
    }

    /// <summary>Much more room than use: over 4096 slots (and the capacity asked for), fewer than a quarter of them live.</summary>
    private bool IsSparse(int capacity, int live) => capacity > Math.Max(4096, _capacity) && live < capacity >> 2;

    bool IEventSource.NeedsLifecycleEvents => true;

    PollEvent? IEventSource.BeforeSleep()
    {
        if (!_disposed)
        {
            TrimWhenSparse();
        }
        return null;
    }

    ref object? IOwnedSource.Owner => ref _owner;

    private void AppendDue(long deadlineNs, ulong token)
    {
        if (_dueCount == _due.Length)
        {
            Array.Resize(ref _due, _due.Length * 2);
        }
        _due[_dueCount++] = new DueTimer(deadlineNs, token);
    }

    private static void ThrowDisposed(string operation) =>
        throw new ObjectDisposedException(nameof(TimerQueue<T>), $"{operation}: the TimerQueue was disposed (a queue is disposed when it is removed from its loop).");

    private void Defer(long deadlineNs, ulong token)
    {
        if (_deferredCount == _deferred.Length)
        {
            Array.Resize(ref _deferred, Math.Max(4, _deferred.Length * 2));
        }
        _deferred[_deferredCount++] = new DueTimer(deadlineNs, token);
    }

    /// <summary>Puts the timers a late pass set aside back in the wheel, in the order they came out, under the same stamps.</summary>
    private void PutBackDeferred()
    {
        for (int i = 0; i < _deferredCount; i++)
        {
            DueTimer t = _deferred[i];
            _slots[(int)(uint)t.Token].Key = _wheel!.Insert(t.Deadline, t.Token);
        }
        _deferredCount = 0;
    }

    /// <summary>
    /// Collects the timers the wheel expires into the batch, setting aside those inserted at or after
    /// <paramref name="batchFloor"/> (scheduled by the running batch's callbacks; <see cref="long.MaxValue"/> sets none aside).
    /// </summary>
    private readonly struct DueSink(TimerQueue<T> queue, long batchFloor) : IExpirySink
    {
        public void Add(long deadlineNs, long sequence, ulong token)
        {
            if (sequence >= batchFloor)
            {
                queue.Defer(deadlineNs, token);
            }
            else
            {
                queue.AppendDue(deadlineNs, token);
            }
        }
    }

    /// <summary>An expired timer waiting for its callback: the deadline it fired for, its slot and the stamp it was scheduled with.</summary>
    private readonly record struct DueTimer(long Deadline, ulong Token);

    /// <summary>One timer: its payload, deadline, place in the wheel, and what it is doing (or, free, the free list's link).</summary>
    private struct Slot : IArenaSlot
    {
        internal T Payload;
        internal long Deadline;
        internal TimerKey Key;
        // Changes whenever the timer is scheduled or freed: tells a batch entry from a later schedule of the same slot.
        internal int Stamp;
        private int _link;

        /// <inheritdoc/>
        public int Version { get; set; }

        /// <inheritdoc/>
        public int NextFree
        {
            readonly get => _link;
            set => _link = value;
        }

        internal int State
        {
            readonly get => _link;
            set => _link = value;
        }

        internal readonly bool IsLive => _link <= Pending;
    }
}
