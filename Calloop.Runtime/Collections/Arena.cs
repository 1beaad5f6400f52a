using System;
using System.Runtime.CompilerServices;

namespace Calloop.Collections;

/// <summary>An element of an <see cref="Arena{T}"/>: carries its version and, while free, the free list's link.</summary>
internal interface IArenaSlot
{
    /// <summary>Changes each time the slot is freed, so that a handle kept from before names nothing.</summary>
    int Version { get; set; }

    /// <summary>While the slot is free: the next free slot, or -1.</summary>
    int NextFree { get; set; }
}

/// <summary>
/// Versioned slots with a free list, over a <see cref="ChunkedArray{T}"/>: the registry's slots, the timer wheel's
/// nodes and the idle queue's entries. Allocating and freeing are O(1) and allocate nothing once the array has grown;
/// a freed slot's version changes, so a handle (index, version) kept from before is recognised as stale. After a
/// burst, <see cref="TrimExcess"/> gives back the memory past the highest slot in use.
/// </summary>
/// <remarks>
/// A mutable struct: keep it in a non-readonly field and index it in place (never copy it). Versions start at 1 and
/// wrap from <see cref="int.MaxValue"/> back to 1, so 0 never names a live slot. A slot created after a trim starts
/// above every version its index had before, so handles from before the trim stay stale.
/// </remarks>
internal struct Arena<T>
    where T : struct, IArenaSlot
{
    private const int None = -1;

    private ChunkedArray<T> _items;
    private readonly int _initialCapacity;
    private int _used;
    private int _freeHead;
    private int _live;
    private int _freshVersion;

    internal Arena(int initialCapacity)
    {
        _items = new ChunkedArray<T>(initialCapacity);
        _initialCapacity = initialCapacity;
        _freeHead = None;
        _freshVersion = 1;
    }

    /// <summary>How many slots were ever handed out since the last trim (slots <c>[0, Used)</c> may be live).</summary>
    internal readonly int Used => _used;

    /// <summary>How many slots are allocated and not freed.</summary>
    internal readonly int Live => _live;

    /// <summary>How many slots the arena holds memory for.</summary>
    internal readonly int Capacity => _items.Capacity;

    /// <summary>True when the arena holds much more than it uses: over 4096 slots, fewer than a quarter of them live.</summary>
    internal readonly bool IsSparse => _used > 4096 && _live < _used >> 2;

    /// <summary>The slot at <paramref name="index"/>, by reference.</summary>
    internal readonly ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _items[index];
    }

    /// <summary>Takes a free slot (the most recently freed, else a new one) and returns its index; its version is set.</summary>
    /// <param name="limit">The most slots the arena may hold.</param>
    /// <exception cref="InvalidOperationException">The arena holds <paramref name="limit"/> slots already.</exception>
    internal int Allocate(int limit = int.MaxValue)
    {
        int index = _freeHead;
        if (index != None)
        {
            _freeHead = _items[index].NextFree;
        }
        else
        {
            if (_used >= limit)
            {
                throw new InvalidOperationException($"The arena holds {limit} slots, its maximum.");
            }
            if (_used == _items.Capacity)
            {
                _items.Grow();
            }
            index = _used++;
            _items[index].Version = _freshVersion;
        }
        _live++;
        return index;
    }

    /// <summary>Grows the array until it holds at least <paramref name="capacity"/> slots.</summary>
    internal void Reserve(int capacity)
    {
        while (_items.Capacity < capacity)
        {
            _items.Grow();
        }
    }

    /// <summary>
    /// When no slot is live: forgets the free list, so that the next slots are handed out in index order again (a free
    /// list left by slots freed in random order hands them out in random memory order), keeping the memory. Slots
    /// created from now on start at <paramref name="freshVersion"/>, which the caller chooses above every version a
    /// handle it gave out may carry (or any value when no such handle can be used again).
    /// </summary>
    internal void ResetEmpty(int freshVersion)
    {
        if (_live != 0)
        {
            throw new InvalidOperationException("Only an arena with no live slot can be reset.");
        }
        _used = 0;
        _freeHead = None;
        _freshVersion = freshVersion;
    }

    /// <summary>Returns slot <paramref name="index"/> to the free list and changes its version.</summary>
    internal void Free(int index)
    {
        ref T slot = ref _items[index];
        int version = slot.Version;
        slot.Version = version == int.MaxValue ? 1 : version + 1;
        slot.NextFree = _freeHead;
        _freeHead = index;
        _live--;
    }

    /// <summary>
    /// Gives back the memory past the highest live slot (and beyond <paramref name="minCapacity"/>), and rebuilds
    /// the free list so that the lowest free slots are taken first. O(<see cref="Used"/>). The caller must have
    /// cleared what free slots reference.
    /// </summary>
    internal void TrimExcess(int minCapacity)
    {
        int newUsed = 0;
        ulong[]? free = null;
        if (_live > 0)
        {
            free = new ulong[(_used + 63) >> 6];
            for (int i = _freeHead; i != None; i = _items[i].NextFree)
            {
                free[i >> 6] |= 1UL << i;
            }
            newUsed = _used;
            while (newUsed > 0 && (free[(newUsed - 1) >> 6] & (1UL << (newUsed - 1))) != 0)
            {
                newUsed--;
            }
        }
        // Slots dropped now may come back later as new ones: they start above any version they had.
        for (int i = newUsed; i < _used; i++)
        {
            int v = _items[i].Version;
            if (v >= _freshVersion)
            {
                _freshVersion = v == int.MaxValue ? 1 : v + 1;
            }
        }
        _freeHead = None;
        for (int i = newUsed - 1; i >= 0; i--)
        {
            if ((free![i >> 6] & (1UL << i)) != 0)
            {
                _items[i].NextFree = _freeHead;
                _freeHead = i;
            }
        }
        _used = newUsed;
        _items.Shrink(newUsed, Math.Max(minCapacity, _initialCapacity));
    }
}
