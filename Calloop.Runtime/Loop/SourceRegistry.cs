using System;
using System.Collections.Generic;
using System.Threading;
using Calloop.Collections;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// The sources of one loop: their slots (an arena of versioned slots, so that a stale token is refused), names and
/// error policies, the sources that want lifecycle hooks, the source whose callback is running and what it asked for
/// meanwhile, and removals asked for from other threads. Owned by the <see cref="EventLoop{TData}"/>;
/// <see cref="LoopHandle{TData}"/> is its public face, and the dispatch path calls it directly.
/// </summary>
/// <remarks>Single-threaded: the public face checks the thread; only <see cref="RemoveFromAnyThread"/> is thread-safe.</remarks>
/// <typeparam name="TData">The shared data every callback receives.</typeparam>
internal sealed class SourceRegistry<TData>
{
    private const int WakeSlot = Token.MaxSlot;

    // Every loop's tokens carry its identity, so that another loop refuses them (0 is never issued: default names nothing).
    private static int s_lastLoopId;
    private readonly int _loopId = Interlocked.Increment(ref s_lastLoopId);

    private Arena<Slot> _slots = new(16);
    private readonly List<int> _lifecycleSlots = [];
    // Names and error policies by slot, for the few sources that have one: kept out of the per-source entry, which
    // a loop with a million timers holds a million of.
    private readonly Dictionary<int, SourceSettings> _settings = [];

    // The source whose callback is running, and what it asked for itself meanwhile.
    private int _currentSlot = -1;
    private PostAction _currentPending;
    private bool _currentRemoved;

    // Removals asked for from other threads (a delay cancelled by a timer on the thread pool, say), applied by the
    // loop at the start of its next dispatch.
    private readonly System.Collections.Concurrent.ConcurrentQueue<RegistrationToken> _foreignRemovals = new();
    private readonly Waker _waker;
    private int _foreignRemovalsPending;

    internal SourceRegistry(Poll poll, Waker waker)
    {
        Poll = poll;
        _waker = waker;
        State = new RegistryState(this);
        poll.State = State;
        Idles = new IdleQueue<TData>(State);
    }

    internal LoopState State { get; }

    internal Poll Poll { get; }

    internal IdleQueue<TData> Idles { get; }

    internal List<int> LifecycleSlots => _lifecycleSlots;

    /// <summary>Number of sources in the loop (enabled or not).</summary>
    internal int SourceCount { get; private set; }

    /// <summary>Sets the error policy of one source; null makes it follow the loop's.</summary>
    internal void SetErrorPolicy(RegistrationToken token, ErrorPolicy? policy)
    {
        Resolve(token, "SetErrorPolicy");
        SetSettings(token.Slot, NameAt(token.Slot), policy);
    }

    /// <summary>Lists the sources in the loop (a snapshot, for diagnostics).</summary>
    internal IReadOnlyList<SourceInfo> GetSources()
    {
        var list = new List<SourceInfo>(SourceCount);
        for (int i = 0; i < _slots.Used; i++)
        {
            ref Slot slot = ref _slots[i];
            if (slot.Entry is not null)
            {
                list.Add(new SourceInfo(new RegistrationToken(i, slot.Version, _loopId), NameAt(i), KindOf(slot.Entry.Source), slot.Enabled, PolicyAt(i)));
            }
        }
        return list;
    }

    /// <summary>The source's type name as C# spells it: <c>Generic&lt;Socket&gt;</c>.</summary>
    private static string KindOf(IEventSource source)
    {
        Type type = source.GetType();
        if (!type.IsGenericType)
        {
            return type.Name;
        }
        string name = type.Name;
        int tick = name.IndexOf('`');
        return $"{(tick < 0 ? name : name[..tick])}<{string.Join(", ", Array.ConvertAll(type.GetGenericArguments(), t => t.Name))}>";
    }

    /// <summary>
    /// Removes a source: unregisters it and disposes it. From the source's own callback the removal happens
    /// when the callback returns.
    /// </summary>
    internal void Remove(RegistrationToken token)
    {
        ref Slot slot = ref Resolve(token, "Remove");
        if (token.Slot == _currentSlot)
        {
            _currentRemoved = true;
            return;
        }
        RemoveNow(token.Slot, ref slot);
    }

    /// <summary>Re-registers a disabled source; a no-op for an enabled one.</summary>
    internal void Enable(RegistrationToken token)
    {
        ref Slot slot = ref Resolve(token, "Enable");
        if (token.Slot == _currentSlot)
        {
            if (_currentPending == PostAction.Disable)
            {
                _currentPending = PostAction.Continue;
            }
            return;
        }
        if (!slot.Enabled)
        {
            var factory = new TokenFactory(token.Slot, slot.Version);
            slot.Entry!.Source.Register(Poll, ref factory);
            slot.Enabled = true;
        }
    }

    /// <summary>Unregisters a source but keeps it in the loop; pending level-triggered readiness is seen again after <see cref="Enable"/>.</summary>
    internal void Disable(RegistrationToken token)
    {
        ref Slot slot = ref Resolve(token, "Disable");
        if (token.Slot == _currentSlot)
        {
            _currentPending = PostAction.Disable;
            return;
        }
        if (slot.Enabled)
        {
            slot.Enabled = false;
            slot.Entry!.Source.Unregister(Poll);
        }
    }

    /// <summary>Re-registers an enabled source after its interest, mode or deadline changed.</summary>
    internal void Update(RegistrationToken token)
    {
        ref Slot slot = ref Resolve(token, "Update");
        if (token.Slot == _currentSlot)
        {
            _currentPending = PostAction.Reregister;
            return;
        }
        if (slot.Enabled)
        {
            var factory = new TokenFactory(token.Slot, slot.Version);
            slot.Entry!.Source.Reregister(Poll, ref factory);
        }
    }

    /// <summary>Registers the source of <paramref name="entry"/> in a free slot; on failure the loop is unchanged.</summary>
    internal RegistrationToken Insert(SourceEntry<TData> entry, string? name)
    {
        IEventSource inserted = entry.Source;
        SourceOwnership.Claim(inserted, Poll);
        int index = -1;
        try
        {
            index = AllocateSlot();
            var factory = new TokenFactory(index, _slots[index].Version);
            inserted.Register(Poll, ref factory);
        }
        catch (Exception e)
        {
            // The source stays the caller's (not disposed, in no loop) and the slot is released. A source whose
            // Register throws must leave nothing registered (a second registration of one fd must not undo the first).
            if (index >= 0)
            {
                FreeSlot(index);
            }
            SourceOwnership.Release(inserted);
            if (e is CalloopException failure && name is not null)
            {
                throw failure.ForSource(name);
            }
            throw;
        }
        ref Slot slot = ref _slots[index];
        bool lifecycle = inserted.NeedsLifecycleEvents;
        slot.Entry = entry;
        slot.Occupy(lifecycle, inserted is IDisposable);
        if (name is not null)
        {
            SetSettings(index, name, null);
        }
        SourceCount++;
        if (lifecycle)
        {
            _lifecycleSlots.Add(index);
        }
        return new RegistrationToken(index, slot.Version, _loopId);
    }

    private ref Slot Resolve(RegistrationToken token, string operation)
    {
        if (token.LoopId != _loopId)
        {
            throw new ArgumentException(
                token.LoopId == 0
                    ? $"LoopHandle.{operation}: default(RegistrationToken) names no source; use the token InsertSource returned."
                    : $"LoopHandle.{operation}: {token} belongs to another loop (this is loop {_loopId}); use it with the loop that issued it.",
                nameof(token));
        }
        if ((uint)token.Slot < (uint)_slots.Used)
        {
            ref Slot slot = ref _slots[token.Slot];
            if (slot.Entry is not null && slot.Version == token.Version)
            {
                return ref slot;
            }
        }
        throw new ArgumentException(
            $"LoopHandle.{operation}: {token} is stale: its source was removed from this loop.",
            nameof(token));
    }

    /// <summary>The live entry for an event's token, or null when the event is stale or its source disabled.</summary>
    internal SourceEntry<TData>? EntryFor(Token token)
    {
        int index = token.Slot;
        if ((uint)index < (uint)_slots.Used)
        {
            ref Slot slot = ref _slots[index];
            if ((slot.Version & Token.VersionMask) == token.Version && slot.Enabled)
            {
                return slot.Entry;
            }
        }
        return null;
    }

    /// <summary>
    /// Asks the processor to start fetching what the events a few places ahead in the batch will touch: the slot
    /// of the event 8 ahead, and the entry of the event 4 ahead (whose slot was asked for 4 events ago). A batch of
    /// many timers or descriptors visits slots and entries in an order unrelated to memory; without this each
    /// event waits for its own cache misses one after the other.
    /// </summary>
    internal unsafe void PrefetchAhead(PollEvent[] batch, int next, int count)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            return;
        }
        if (next + 8 < count)
        {
            int far = batch[next + 8].Token.Slot;
            if ((uint)far < (uint)_slots.Used)
            {
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(System.Runtime.CompilerServices.Unsafe.AsPointer(ref _slots[far]));
            }
        }
        if (next + 4 < count)
        {
            int near = batch[next + 4].Token.Slot;
            if ((uint)near < (uint)_slots.Used && _slots[near].Entry is SourceEntry<TData> entry)
            {
                // The object's address, only as a hint: if the GC moves it meanwhile the prefetch is merely wasted.
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(*(void**)System.Runtime.CompilerServices.Unsafe.AsPointer(ref entry));
            }
        }
    }

    internal static bool IsWakeToken(Token token) => token.Slot == WakeSlot;

    internal static Token WakeToken => new(WakeSlot, 0, 0);

    /// <summary>Marks <paramref name="index"/> as the source being dispatched.</summary>
    internal void BeginCallback(int index)
    {
        _currentSlot = index;
        _currentPending = PostAction.Continue;
        _currentRemoved = false;
    }

    /// <summary>
    /// Applies what the source returned (or, when it returned <see cref="PostAction.Continue"/>, what its callback
    /// asked for itself through the handle) once its callback has returned or thrown.
    /// </summary>
    internal void EndCallback(int index, SourceEntry<TData> entry, PostAction action)
    {
        _currentSlot = -1;
        ref Slot slot = ref _slots[index];
        if (!ReferenceEquals(slot.Entry, entry))
        {
            return;
        }
        if (_currentRemoved)
        {
            RemoveNow(index, ref slot);
            return;
        }
        if ((uint)action <= (uint)PostAction.Continue)
        {
            // Continue (or default, which counts as Continue): what the callback asked for itself, if anything.
            action = _currentPending;
        }
        switch (action)
        {
            case PostAction.Reregister when slot.Enabled:
                var factory = new TokenFactory(index, slot.Version);
                entry.Source.Reregister(Poll, ref factory);
                break;
            case PostAction.Disable when slot.Enabled:
                slot.Enabled = false;
                entry.Source.Unregister(Poll);
                break;
            case PostAction.Remove:
                RemoveNow(index, ref slot);
                break;
        }
    }

    internal IEventSource? SourceAt(int index) => _slots[index].Enabled ? _slots[index].Entry?.Source : null;

    /// <summary>The slot's version as event tokens carry it (truncated to the token's version bits).</summary>
    internal int VersionAt(int index) => _slots[index].Version & Token.VersionMask;

    /// <summary>Unregisters and disposes every source (loop disposal).</summary>
    internal void RemoveAll()
    {
        List<Exception>? errors = null;
        for (int i = 0; i < _slots.Used; i++)
        {
            ref Slot slot = ref _slots[i];
            if (slot.Entry is null)
            {
                continue;
            }
            try
            {
                RemoveNow(i, ref slot);
            }
            catch (Exception e)
            {
                (errors ??= []).Add(e);
            }
        }
        if (errors is not null)
        {
            throw new AggregateException("Disposing the event loop's sources failed.", errors);
        }
    }

    private void RemoveNow(int index, ref Slot slot)
    {
        IEventSource source = slot.Entry!.Source;
        bool wasEnabled = slot.Enabled;
        bool lifecycle = slot.NeedsLifecycleEvents;
        bool disposable = slot.IsDisposable;
        slot.Entry = null;
        slot.Enabled = false;
        SourceCount--;
        if (lifecycle)
        {
            _lifecycleSlots.Remove(index);
        }
        FreeSlot(index);
        try
        {
            if (wasEnabled)
            {
                source.Unregister(Poll);
            }
        }
        finally
        {
            try
            {
                if (disposable)
                {
                    ((IDisposable)source).Dispose();
                }
            }
            finally
            {
                SourceOwnership.Release(source);
            }
        }
    }

    private int AllocateSlot()
    {
        try
        {
            return _slots.Allocate(WakeSlot);
        }
        catch (InvalidOperationException)
        {
            throw new InvalidOperationException($"The event loop holds {WakeSlot} sources, its maximum.");
        }
    }

    private void FreeSlot(int index)
    {
        if (_settings.Count != 0)
        {
            _settings.Remove(index);
        }
        _slots[index].Entry = null;
        _slots.Free(index);
    }

    /// <summary>True when the registry holds much more memory than its sources need (after a burst of insertions).</summary>
    internal bool IsSparse => _slots.IsSparse;

    /// <summary>Gives back the memory of the slots past the highest one in use, and of the tables sized for a burst.</summary>
    internal void TrimExcess()
    {
        _slots.TrimExcess(16);
        _settings.TrimExcess();
        _lifecycleSlots.TrimExcess();
    }

    internal string? NameAt(int index) => _settings.TryGetValue(index, out SourceSettings s) ? s.Name : null;

    internal ErrorPolicy? PolicyAt(int index) => _settings.TryGetValue(index, out SourceSettings s) ? s.Policy : null;

    private void SetSettings(int index, string? name, ErrorPolicy? policy)
    {
        if (name is null && policy is null)
        {
            _settings.Remove(index);
        }
        else
        {
            _settings[index] = new SourceSettings(name, policy);
        }
    }

    /// <summary>The loop's state, which also answers whether the running source asked to be removed or disabled.</summary>
    private sealed class RegistryState(SourceRegistry<TData> registry) : LoopState
    {
        internal override bool CurrentSourceStopping =>
            registry._currentSlot >= 0 && (registry._currentRemoved || registry._currentPending == PostAction.Disable);
    }

    /// <summary>A source's optional name and error policy.</summary>
    private readonly record struct SourceSettings(string? Name, ErrorPolicy? Policy);

    /// <summary>
    /// From any thread: asks the loop to remove the source at the start of its next dispatch (if it is still there
    /// then), and wakes the loop.
    /// </summary>
    internal void RemoveFromAnyThread(RegistrationToken token)
    {
        _foreignRemovals.Enqueue(token);
        Volatile.Write(ref _foreignRemovalsPending, 1);
        _waker.Wake();
    }

    /// <summary>On the loop thread, at the start of a dispatch: applies the removals other threads asked for.</summary>
    internal void ApplyForeignRemovals()
    {
        if (Volatile.Read(ref _foreignRemovalsPending) == 0)
        {
            return;
        }
        // Clear the flag before draining: a request queued after the drain sets it again.
        Interlocked.Exchange(ref _foreignRemovalsPending, 0);
        while (_foreignRemovals.TryDequeue(out RegistrationToken token))
        {
            if (IsLive(token))
            {
                Remove(token);
            }
        }
    }

    /// <summary>True while <paramref name="token"/> names a source in this loop.</summary>
    internal bool IsLive(RegistrationToken token) =>
        token.LoopId == _loopId && (uint)token.Slot < (uint)_slots.Used && _slots[token.Slot].Entry is not null && _slots[token.Slot].Version == token.Version;

    /// <summary>The registration token of the live source in <paramref name="index"/>, if an event's (truncated) version still matches.</summary>
    internal RegistrationToken? LiveToken(int index, int eventVersion) =>
        (uint)index < (uint)_slots.Used && _slots[index].Entry is not null && (_slots[index].Version & Token.VersionMask) == eventVersion
            ? new RegistrationToken(index, _slots[index].Version, _loopId)
            : null;

    /// <summary>
    /// One source's place in the registry: 16 bytes, because a loop with a million timers holds a million slots.
    /// The source's flags and the free-list link share one field: a slot holding a source never needs the link, a
    /// free slot has no flags. The flags record at insertion what removal needs to know (lifecycle hooks, disposal),
    /// so that removing a source does not ask it again through interface calls.
    /// </summary>
    private struct Slot : IArenaSlot
    {
        private const int EnabledFlag = 1;
        private const int LifecycleFlag = 2;
        private const int DisposableFlag = 4;

        internal SourceEntry<TData>? Entry;
        private int _link;

        /// <inheritdoc/>
        public int Version { get; set; }

        /// <summary>True while the slot holds a source that is registered with the poller.</summary>
        internal bool Enabled
        {
            readonly get => Entry is not null && (_link & EnabledFlag) != 0;
            set => _link = value ? _link | EnabledFlag : _link & ~EnabledFlag;
        }

        /// <summary>True when the source in the slot wants lifecycle hooks.</summary>
        internal readonly bool NeedsLifecycleEvents => (_link & LifecycleFlag) != 0;

        /// <summary>True when the source in the slot is disposed on removal.</summary>
        internal readonly bool IsDisposable => (_link & DisposableFlag) != 0;

        /// <summary>Marks a freshly filled slot enabled, with the source's flags (replacing the free-list link).</summary>
        internal void Occupy(bool lifecycle, bool disposable) =>
            _link = EnabledFlag | (lifecycle ? LifecycleFlag : 0) | (disposable ? DisposableFlag : 0);

        /// <inheritdoc/>
        public int NextFree
        {
            readonly get => _link;
            set => _link = value;
        }
    }
}
