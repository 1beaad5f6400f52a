using System;
using Calloop.Collections;

namespace Calloop;

/// <summary>Cancellation side of an idle queue, independent of the loop's data type.</summary>
internal abstract class IdleQueue
{
    internal abstract void Cancel(int slot, int version);
}

/// <summary>
/// FIFO of idle callbacks over pooled slots: insert, cancel and run are O(1) and allocation-free once the
/// arrays have grown. <see cref="RunSnapshot"/> runs only the callbacks queued before it started.
/// </summary>
internal sealed class IdleQueue<TData>(LoopState owner) : IdleQueue
{
    private Arena<Entry> _entries = new(16);
    // The ring's length is always a power of two (16, doubled when full), so positions wrap with a mask rather
    // than a division: two integer divisions per idle callback were measurable in an idle-heavy loop.
    private (int Slot, int Version)[] _ring = new (int, int)[16];
    private int _ringHead;
    private int _ringCount;

    internal int Count { get; private set; }

    internal Idle Insert(IdleCallback<TData> callback)
    {
        int slot = _entries.Allocate();
        ref Entry e = ref _entries[slot];
        e.Callback = callback;
        if (_ringCount == _ring.Length)
        {
            GrowRing();
        }
        _ring[(_ringHead + _ringCount) & (_ring.Length - 1)] = (slot, e.Version);
        _ringCount++;
        Count++;
        return new Idle(this, slot, e.Version);
    }

    internal override void Cancel(int slot, int version)
    {
        if (owner.IsDisposed)
        {
            // The loop is gone and so is every idle callback: nothing left to cancel.
            return;
        }
        owner.CheckThread("Idle.Cancel");
        if ((uint)slot < (uint)_entries.Used && _entries[slot].Version == version && _entries[slot].Callback is not null)
        {
            Free(slot);
        }
    }

    /// <summary>Runs, in order, the callbacks queued when it was called. If one throws, the rest stay queued.</summary>
    internal void RunSnapshot(ref TData data)
    {
        int n = _ringCount;
        for (int i = 0; i < n; i++)
        {
            (int slot, int version) = _ring[_ringHead];
            _ringHead = (_ringHead + 1) & (_ring.Length - 1);
            _ringCount--;
            ref Entry e = ref _entries[slot];
            if (e.Version != version || e.Callback is null)
            {
                continue;
            }
            IdleCallback<TData> callback = e.Callback;
            Free(slot);
            callback(ref data);
        }
    }

    internal void Clear()
    {
        for (int i = 0; i < _entries.Used; i++)
        {
            if (_entries[i].Callback is not null)
            {
                Free(i);
            }
        }
        _ringCount = 0;
    }

    private void Free(int slot)
    {
        _entries[slot].Callback = null;
        _entries.Free(slot);
        Count--;
    }

    /// <summary>True when the queue holds much more memory than its pending callbacks need (after a burst).</summary>
    internal bool IsSparse => _entries.IsSparse || (_ring.Length > 4096 && _ringCount < _ring.Length >> 2);

    /// <summary>Gives back the memory a burst of idle callbacks left behind.</summary>
    internal void TrimExcess()
    {
        _entries.TrimExcess(16);
        int size = Math.Max(16, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)_ringCount));
        if (size < _ring.Length)
        {
            CopyRing(size);
        }
    }

    private void GrowRing() => CopyRing(_ring.Length * 2);

    private void CopyRing(int size)
    {
        var ring = new (int, int)[size];
        for (int i = 0; i < _ringCount; i++)
        {
            ring[i] = _ring[(_ringHead + i) & (_ring.Length - 1)];
        }
        _ring = ring;
        _ringHead = 0;
    }

    private struct Entry : IArenaSlot
    {
        internal IdleCallback<TData>? Callback;

        /// <inheritdoc/>
        public int Version { get; set; }

        /// <inheritdoc/>
        public int NextFree { get; set; }
    }
}
