using System;
using System.Collections.Generic;
using System.Numerics;
using Calloop.Collections;

namespace Calloop.Timers;

/// <summary>
/// A hierarchical timing wheel: six levels of 64 buckets, the finest bucket 2^20 ns (about 1 ms) wide.
/// Insert and cancel are O(1) (intrusive doubly linked lists over a pooled node array); each timer keeps
/// its exact deadline, so buckets only group timers and never round them; expired timers come out in
/// deadline order, ties in insertion order. Deadlines more than about two years away wait in an overflow
/// list that is re-examined every few days. Not thread-safe: owned by one loop.
/// </summary>
internal sealed class TimerWheel
{
    private const int LevelBits = 6;
    private const int SlotsPerLevel = 1 << LevelBits;
    private const int SlotMask = SlotsPerLevel - 1;
    private const int Levels = 6;
    private const int TickShift = 20;
    private const long WheelRangeTicks = 1L << (LevelBits * Levels);
    private const long OverflowRecheckTicks = 1L << 30;

    private const int BucketFree = -1;
    private const int BucketOverflow = -2;
    private const int None = -1;

    private ChunkedArray<Node> _nodes = new(64);
    private int _freeHead = None;
    private int _used;
    private readonly int[] _heads = new int[Levels * SlotsPerLevel];
    private readonly ulong[] _occupied = new ulong[Levels];
    private int _overflowHead = None;
    // Level-0 buckets whose lists are in (deadline, sequence) order: one bit per slot. A loop that wakes many
    // times within one ~1 ms bucket (dense timers, sub-millisecond waits) would otherwise rescan and relink the
    // whole bucket on every NextWakeNs and Expire; sorted, the earliest deadline is the head and expiring pops the
    // due prefix. Linking a node into a level-0 bucket clears its bit; unlinking keeps the order.
    private ulong _sortedLevel0;
    private SortEntry[] _sortScratch = new SortEntry[64];
    private SortEntry[] _mergeScratch = new SortEntry[16];
    private ExpiredTimer[] _drainScratch = new ExpiredTimer[64];
    private long _elapsedTick;
    private long _overflowCheckedTick;
    private long _sequence;

    internal TimerWheel(long nowNs)
    {
        _heads.AsSpan().Fill(None);
        _elapsedTick = nowNs >> TickShift;
        _overflowCheckedTick = _elapsedTick;
    }

    /// <summary>Number of pending timers.</summary>
    internal int Count { get; private set; }

    /// <summary>
    /// How many times <see cref="Expire{TSink}"/> ran. A timer scheduled while this still has the value it had
    /// then was scheduled after the last expiry, so an expiry event for it in the current batch is stale: that is
    /// how a timer tells a stale event without reading its (cold) node.
    /// </summary>
    internal int Generation { get; private set; }

    /// <summary>Schedules <paramref name="token"/> for <paramref name="deadlineNs"/>. O(1).</summary>
    internal TimerKey Insert(long deadlineNs, ulong token)
    {
        int index = AllocateNode();
        ref Node node = ref _nodes[index];
        node.Deadline = deadlineNs;
        node.Sequence = _sequence++;
        node.Token = token;
        Place(index);
        Count++;
        return new TimerKey(index, node.Version);
    }

    /// <summary>True while the timer is in the wheel (neither fired nor cancelled). O(1).</summary>
    internal bool IsPending(TimerKey key) =>
        (uint)key.Index < (uint)_used && _nodes[key.Index].Version == key.Version && _nodes[key.Index].Bucket != BucketFree;

    /// <summary>Removes a pending timer. O(1). Returns false if it already fired or was cancelled.</summary>
    internal bool Cancel(TimerKey key)
    {
        if ((uint)key.Index >= (uint)_used)
        {
            return false;
        }
        ref Node node = ref _nodes[key.Index];
        if (node.Version != key.Version || node.Bucket == BucketFree)
        {
            return false;
        }
        Unlink(key.Index);
        FreeNode(key.Index);
        Count--;
        return true;
    }

    /// <summary>
    /// The time (ns) by which the loop must next look at the wheel: the exact earliest deadline when it is
    /// in the finest level, otherwise the start of the next bucket to cascade. Null when nothing is pending.
    /// </summary>
    internal long? NextWakeNs()
    {
        long wake = long.MaxValue;
        if (NextBucket(out int level, out int slot, out long startTick))
        {
            if (level == 0)
            {
                SortLevel0(slot);
                wake = _nodes[_heads[slot]].Deadline;
            }
            else
            {
                wake = startTick << TickShift;
            }
        }
        if (_overflowHead != None)
        {
            wake = Math.Min(wake, (_overflowCheckedTick + OverflowRecheckTicks) << TickShift);
        }
        return wake == long.MaxValue ? null : wake;
    }

    /// <summary>
    /// Moves every timer whose deadline is at or before <paramref name="nowNs"/> out of the wheel into
    /// <paramref name="expired"/>, in deadline order (ties in insertion order).
    /// </summary>
    internal void Expire(long nowNs, List<ExpiredTimer> expired)
    {
        var sink = new ListSink(expired);
        Expire(nowNs, ref sink);
    }

    /// <summary>
    /// Takes every timer whose deadline is at or before <paramref name="nowNs"/> out of the wheel and hands it to
    /// <paramref name="sink"/>, in deadline order (ties in insertion order).
    /// </summary>
    internal void Expire<TSink>(long nowNs, ref TSink sink)
        where TSink : struct, IExpirySink
    {
        Generation++;
        long nowTick = nowNs >> TickShift;
        if (_overflowHead != None && nowTick - _overflowCheckedTick >= OverflowRecheckTicks)
        {
            RecheckOverflow(nowTick);
        }
        while (NextBucket(out int level, out int slot, out long startTick) && startTick <= nowTick)
        {
            int bucket = level * SlotsPerLevel + slot;
            _elapsedTick = Math.Max(_elapsedTick, startTick);
            if (level == 0)
            {
                ulong bit = 1UL << slot;
                if (startTick < nowTick && (_sortedLevel0 & bit) == 0)
                {
                    // The whole bucket is due and was never sorted: take its timers out in one walk, sort them
                    // there, and hand them on, instead of relinking the list in order first.
                    DrainBucket(slot, ref sink);
                    continue;
                }
                // Sorted: pop the due prefix, in deadline order; what is left is due later within this bucket,
                // so nothing later is due either.
                SortLevel0(slot);
                int i = _heads[bucket];
                while (i != None && _nodes[i].Deadline <= nowNs)
                {
                    ref Node node = ref _nodes[i];
                    int next = node.Next;
                    sink.Add(node.Deadline, node.Token);
                    FreeNode(i);
                    Count--;
                    i = next;
                }
                _heads[bucket] = i;
                if (i != None)
                {
                    _nodes[i].Prev = None;
                    break;
                }
                _occupied[0] &= ~bit;
            }
            else
            {
                int head = _heads[bucket];
                _heads[bucket] = None;
                _occupied[level] &= ~(1UL << slot);
                for (int i = head; i != None;)
                {
                    int next = _nodes[i].Next;
                    Place(i);
                    i = next;
                }
            }
        }
        _elapsedTick = Math.Max(_elapsedTick, nowTick);
    }

    /// <summary>Empties level-0 bucket <paramref name="slot"/>, every timer of which is due, into the sink in order.</summary>
    private void DrainBucket<TSink>(int slot, ref TSink sink)
        where TSink : struct, IExpirySink
    {
        int count = 0;
        for (int i = _heads[slot]; i != None;)
        {
            ref Node node = ref _nodes[i];
            int next = node.Next;
            if (count == _drainScratch.Length)
            {
                Array.Resize(ref _drainScratch, count * 2);
            }
            _drainScratch[count++] = new ExpiredTimer(node.Deadline, node.Sequence, node.Token);
            FreeNode(i);
            i = next;
        }
        Count -= count;
        _heads[slot] = None;
        _occupied[0] &= ~(1UL << slot);
        Span<ExpiredTimer> due = _drainScratch.AsSpan(0, count);
        due.Sort();
        foreach (ref readonly ExpiredTimer t in due)
        {
            sink.Add(t.Deadline, t.Token);
        }
    }

    private void RecheckOverflow(long nowTick)
    {
        _overflowCheckedTick = nowTick;
        int i = _overflowHead;
        _overflowHead = None;
        while (i != None)
        {
            int next = _nodes[i].Next;
            Place(i);
            i = next;
        }
    }

    /// <summary>Links node <paramref name="index"/> into the bucket its deadline belongs to, relative to the wheel's position.</summary>
    private void Place(int index)
    {
        ref Node node = ref _nodes[index];
        long whenTick = Math.Max(node.Deadline >> TickShift, _elapsedTick);
        if (whenTick - _elapsedTick >= WheelRangeTicks - OverflowRecheckTicks)
        {
            // Too far away for the wheel's last rotation to tell apart from the current one.
            node.Bucket = BucketOverflow;
            PushFront(ref _overflowHead, index);
            return;
        }
        long masked = Math.Min((_elapsedTick ^ whenTick) | SlotMask, WheelRangeTicks - 1);
        int level = (63 - BitOperations.LeadingZeroCount((ulong)masked)) / LevelBits;
        int slot = (int)(whenTick >> (level * LevelBits)) & SlotMask;
        int bucket = level * SlotsPerLevel + slot;
        node.Bucket = bucket;
        PushFront(ref _heads[bucket], index);
        _occupied[level] |= 1UL << slot;
        if (level == 0)
        {
            _sortedLevel0 &= ~(1UL << slot);
        }
    }

    private void PushFront(ref int head, int index)
    {
        ref Node node = ref _nodes[index];
        node.Prev = None;
        node.Next = head;
        if (head != None)
        {
            _nodes[head].Prev = index;
        }
        head = index;
    }

    private void Unlink(int index)
    {
        ref Node node = ref _nodes[index];
        if (node.Prev != None)
        {
            _nodes[node.Prev].Next = node.Next;
        }
        else if (node.Bucket == BucketOverflow)
        {
            _overflowHead = node.Next;
        }
        else
        {
            _heads[node.Bucket] = node.Next;
            if (node.Next == None)
            {
                _occupied[node.Bucket / SlotsPerLevel] &= ~(1UL << (node.Bucket % SlotsPerLevel));
            }
        }
        if (node.Next != None)
        {
            _nodes[node.Next].Prev = node.Prev;
        }
    }

    /// <summary>Relinks level-0 bucket <paramref name="slot"/> in (deadline, sequence) order, unless it already is.</summary>
    private void SortLevel0(int slot)
    {
        ulong bit = 1UL << slot;
        if ((_sortedLevel0 & bit) != 0)
        {
            return;
        }
        _sortedLevel0 |= bit;
        int count = 0;
        for (int i = _heads[slot]; i != None; i = _nodes[i].Next)
        {
            if (count == _sortScratch.Length)
            {
                Array.Resize(ref _sortScratch, count * 2);
            }
            _sortScratch[count++] = new SortEntry(_nodes[i].Deadline, _nodes[i].Sequence, i);
        }
        if (count < 2)
        {
            return;
        }
        // New nodes are pushed at the front, so a bucket that was sorted before is an unsorted prefix followed by
        // a sorted run: sort only the prefix and merge it in, O(k + m log m) for m new nodes among k. Timers
        // re-armed into the bucket being drained then cost a walk per wake-up, as the unsorted scan did.
        int sortedFrom = count - 1;
        while (sortedFrom > 0 && _sortScratch[sortedFrom - 1].CompareTo(_sortScratch[sortedFrom]) <= 0)
        {
            sortedFrom--;
        }
        if (sortedFrom > 0)
        {
            MergeSortedPrefix(count, sortedFrom);
        }
        Span<SortEntry> entries = _sortScratch.AsSpan(0, count);
        int prev = None;
        for (int k = 0; k < count; k++)
        {
            int index = entries[k].Index;
            _nodes[index].Prev = prev;
            _nodes[index].Next = k + 1 < count ? entries[k + 1].Index : None;
            prev = index;
        }
        _heads[slot] = entries[0].Index;
    }

    /// <summary>Sorts <c>_sortScratch[0..prefix)</c> and merges it with the sorted <c>_sortScratch[prefix..count)</c>.</summary>
    private void MergeSortedPrefix(int count, int prefix)
    {
        Span<SortEntry> all = _sortScratch.AsSpan(0, count);
        if (_mergeScratch.Length < prefix)
        {
            _mergeScratch = new SortEntry[Math.Max(prefix, _mergeScratch.Length * 2)];
        }
        Span<SortEntry> left = _mergeScratch.AsSpan(0, prefix);
        all[..prefix].CopyTo(left);
        left.Sort();
        int a = 0, b = prefix, o = 0;
        while (a < prefix && b < count)
        {
            all[o++] = left[a].CompareTo(all[b]) <= 0 ? left[a++] : all[b++];
        }
        while (a < prefix)
        {
            all[o++] = left[a++];
        }
    }

    /// <summary>The earliest non-empty bucket: the lowest level's next occupied slot, and the tick it starts at.</summary>
    private bool NextBucket(out int level, out int slot, out long startTick)
    {
        for (level = 0; level < Levels; level++)
        {
            ulong occupied = _occupied[level];
            if (occupied == 0)
            {
                continue;
            }
            int shift = level * LevelBits;
            int nowSlot = (int)(_elapsedTick >> shift) & SlotMask;
            int distance = BitOperations.TrailingZeroCount(BitOperations.RotateRight(occupied, nowSlot));
            slot = (nowSlot + distance) & SlotMask;
            long levelRange = 1L << (shift + LevelBits);
            long levelStart = _elapsedTick & ~(levelRange - 1);
            startTick = levelStart + ((long)slot << shift);
            if (startTick + (1L << shift) <= _elapsedTick)
            {
                startTick += levelRange;
            }
            return true;
        }
        slot = 0;
        startTick = 0;
        return false;
    }

    private int AllocateNode()
    {
        if (_freeHead != None)
        {
            int index = _freeHead;
            _freeHead = _nodes[index].Next;
            return index;
        }
        if (_used == _nodes.Capacity)
        {
            _nodes.Grow();
        }
        return _used++;
    }

    private void FreeNode(int index)
    {
        ref Node node = ref _nodes[index];
        node.Bucket = BucketFree;
        node.Version++;
        node.Prev = None;
        node.Next = _freeHead;
        _freeHead = index;
    }

    private struct Node
    {
        internal long Deadline;
        internal long Sequence;
        internal ulong Token;
        internal int Next;
        internal int Prev;
        internal int Bucket;
        internal int Version;
    }
}

/// <summary>A node of a level-0 bucket being sorted: its order key and its index.</summary>
internal readonly record struct SortEntry(long Deadline, long Sequence, int Index) : IComparable<SortEntry>
{
    public int CompareTo(SortEntry other)
    {
        int c = Deadline.CompareTo(other.Deadline);
        return c != 0 ? c : Sequence.CompareTo(other.Sequence);
    }
}

/// <summary>Receives the timers <see cref="TimerWheel.Expire{TSink}"/> takes out, in order (a struct: direct calls).</summary>
internal interface IExpirySink
{
    void Add(long deadlineNs, ulong token);
}

/// <summary>Collects expired timers into a list.</summary>
internal readonly struct ListSink(List<ExpiredTimer> list) : IExpirySink
{
    public void Add(long deadlineNs, ulong token) => list.Add(new ExpiredTimer(deadlineNs, 0, token));
}

/// <summary>Identifies a pending timer in a <see cref="TimerWheel"/>: node index and its version.</summary>
internal readonly record struct TimerKey(int Index, int Version);

/// <summary>A timer taken out of the wheel because its deadline passed; ordered by deadline, then insertion.</summary>
/// <remarks>
/// Comparable itself (rather than through an <see cref="IComparer{T}"/>) so that sorting a span of them takes the
/// generic path whose comparisons are inlined, instead of a delegate call per comparison.
/// </remarks>
internal readonly record struct ExpiredTimer(long Deadline, long Sequence, ulong Token) : IComparable<ExpiredTimer>
{
    public int CompareTo(ExpiredTimer other)
    {
        int c = Deadline.CompareTo(other.Deadline);
        return c != 0 ? c : Sequence.CompareTo(other.Sequence);
    }
}
