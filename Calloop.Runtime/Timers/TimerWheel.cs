using System;
using System.Collections.Generic;
using System.Numerics;
using Calloop.Collections;

namespace Calloop.Timers;

/// <summary>
/// A hierarchical timing wheel: six levels of 64 buckets, the finest bucket 2^20 ns (about 1 ms) wide. Each timer
/// keeps its exact deadline, so buckets only group timers and never round them; expired timers come out in
/// deadline order, ties in insertion order. Deadlines more than about two years away wait in an overflow bucket
/// that is re-examined every few days. Not thread-safe: owned by one loop.
/// </summary>
/// <remarks>
/// A bucket is an array of node indices, not a linked list: walking one (to expire, cascade or sort it) reads
/// the indices in order and the nodes independently of each other, so the processor fetches many nodes at once,
/// where a list walk waits for each node before it knows the next. With a million timers the nodes are far out
/// of cache and that wait was a third of the cost of firing them. Insert appends (O(1)); cancel moves the bucket's
/// last index into the hole (O(1)), except in a sorted level-0 bucket, whose order it keeps by leaving a hole
/// that the walks skip.
/// </remarks>
internal sealed class TimerWheel
{
    private const int LevelBits = 6;
    private const int SlotsPerLevel = 1 << LevelBits;
    private const int SlotMask = SlotsPerLevel - 1;
    private const int Levels = 6;
    private const int TickShift = 20;
    private const long WheelRangeTicks = 1L << (LevelBits * Levels);
    private const long OverflowRecheckTicks = 1L << 30;

    private const int OverflowBucket = Levels * SlotsPerLevel;
    private const int BucketFree = -1;
    private const int Hole = -1;

    private Arena<Node> _nodes;
    private readonly int _minNodes;
    private readonly bool _recycle;
    // Bucket arrays no bucket owns, by size class (log2 of the length), for a wheel that recycles them.
    private int[][][] _spare = [];
    private int[] _spareCount = [];
    private readonly Bucket[] _buckets = new Bucket[Levels * SlotsPerLevel + 1];
    private readonly ulong[] _occupied = new ulong[Levels];
    // Level-0 buckets whose live indices are in (deadline, sequence) order: one bit per slot. A loop that wakes many
    // times within one ~1 ms bucket (dense timers, sub-millisecond waits) would otherwise rescan the whole bucket
    // on every NextWakeNs and Expire; sorted, the earliest deadline is at its start and expiring takes the due
    // prefix. Appending to a level-0 bucket clears its bit; cancelling leaves a hole and keeps the order.
    private ulong _sortedLevel0;
    private SortEntry[] _sortScratch = new SortEntry[64];
    private SortEntry[] _mergeScratch = new SortEntry[16];
    private ExpiredTimer[] _drainScratch = new ExpiredTimer[64];
    private readonly TimerSort<SortEntry> _entrySort = new();
    private readonly TimerSort<ExpiredTimer> _expiredSort = new();
    private int[] _overflowScratch = [];
    private long _elapsedTick;
    private long _overflowCheckedTick;
    private long _sequence;
    private int _generation;

    internal TimerWheel(long nowNs)
        : this(nowNs, 64)
    {
    }

    /// <summary>A wheel positioned at <paramref name="nowNs"/> with room for <paramref name="capacity"/> timers, which trimming keeps.</summary>
    /// <param name="nowNs">Where the wheel starts.</param>
    /// <param name="capacity">Room for this many timers up front; trimming keeps it.</param>
    /// <param name="recycleBuckets">
    /// Pass bucket arrays from buckets that empty to buckets that grow (see <see cref="RecycleArray"/>), so that a wheel
    /// whose busy buckets move on as time passes stops allocating once it has grown.
    /// </param>
    internal TimerWheel(long nowNs, int capacity, bool recycleBuckets = false)
    {
        _recycle = recycleBuckets;
        _minNodes = Math.Max(capacity, 64);
        _nodes = new Arena<Node>(64);
        _nodes.Reserve(capacity);
        _elapsedTick = nowNs >> TickShift;
        _overflowCheckedTick = _elapsedTick;
        // Every bucket starts with a small array (385 of them, 15 KiB), so that a loop whose timers come and go,
        // visiting bucket after bucket as time passes, allocates nothing once its busiest buckets have grown.
        foreach (ref Bucket b in _buckets.AsSpan())
        {
            b.Items = new int[4];
        }
    }

    /// <summary>Number of pending timers.</summary>
    internal int Count { get; private set; }

    /// <summary>
    /// How many times <see cref="TakeExpired{TSink}"/> ran. A timer scheduled while this still has the value it had
    /// then was scheduled after the last expiry, so an expiry event for it in the current batch is stale: that is
    /// how a timer tells a stale event without reading its (cold) node.
    /// </summary>
    internal int Generation => _generation;

    /// <summary>The sequence the next <see cref="Insert"/> gets: every timer inserted from now on has a sequence at least this.</summary>
    internal long NextSequence => _sequence;

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
        (uint)key.Index < (uint)_nodes.Used && _nodes[key.Index].Version == key.Version && _nodes[key.Index].Bucket != BucketFree;

    /// <summary>Removes a pending timer. O(1). Returns false if it already fired or was cancelled.</summary>
    internal bool Cancel(TimerKey key)
    {
        if (!IsPending(key))
        {
            return false;
        }
        ref Node node = ref _nodes[key.Index];
        Detach(node.Bucket, node.Pos);
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
                ref Bucket b = ref _buckets[slot];
                SkipHoles(ref b);
                wake = _nodes[b.Items[b.Head]].Deadline;
            }
            else
            {
                wake = startTick << TickShift;
            }
        }
        if (_buckets[OverflowBucket].Live != 0)
        {
            wake = Math.Min(wake, (_overflowCheckedTick + OverflowRecheckTicks) << TickShift);
        }
        return wake == long.MaxValue ? null : wake;
    }

    /// <summary>
    /// Takes every timer whose deadline is at or before <paramref name="nowNs"/> out of the wheel and hands it to
    /// <paramref name="sink"/>, in deadline order (ties in insertion order).
    /// </summary>
    internal void TakeExpired<TSink>(long nowNs, ref TSink sink)
        where TSink : struct, IExpirySink
    {
        _generation++;
        long nowTick = nowNs >> TickShift;
        bool recheck = _buckets[OverflowBucket].Live != 0 && nowTick - _overflowCheckedTick >= OverflowRecheckTicks;
        if (recheck)
        {
            RecheckOverflow(nowTick);
        }
    Drain:
        while (NextBucket(out int level, out int slot, out long startTick) && startTick <= nowTick)
        {
            _elapsedTick = Math.Max(_elapsedTick, startTick);
            if (level > 0)
            {
                Cascade(level * SlotsPerLevel + slot);
                continue;
            }
            ulong bit = 1UL << slot;
            if (startTick < nowTick && (_sortedLevel0 & bit) == 0)
            {
                // The whole bucket is due and was never sorted: take its timers out in one pass, sort them
                // there, and hand them on, instead of sorting the bucket in place first.
                DrainBucket(slot, ref sink);
                continue;
            }
            // Sorted: take the due prefix, in deadline order; what is left is due later within this bucket, so
            // nothing later is due either.
            SortLevel0(slot);
            ref Bucket b = ref _buckets[slot];
            while (b.Head < b.Count)
            {
                int index = b.Items[b.Head];
                if (index != Hole)
                {
                    ref Node node = ref _nodes[index];
                    if (node.Deadline > nowNs)
                    {
                        break;
                    }
                    sink.Add(node.Deadline, node.Sequence, node.Token);
                    FreeNode(index);
                    Count--;
                    b.Live--;
                }
                b.Head++;
            }
            if (b.Live != 0)
            {
                break;
            }
            Empty(slot);
        }
        _elapsedTick = Math.Max(_elapsedTick, nowTick);
        if (recheck && _buckets[OverflowBucket].Live != 0)
        {
            // After a jump of the clock beyond the wheel's range, timers placed from the old position went back into the
            // overflow bucket although they may be due: place them again from the new position (the due ones land in
            // the current bucket) and drain once more.
            recheck = false;
            RecheckOverflow(nowTick);
            goto Drain;
        }
    }

    /// <summary>Empties level-0 bucket <paramref name="slot"/>, every timer of which is due, into the sink in order.</summary>
    private void DrainBucket<TSink>(int slot, ref TSink sink)
        where TSink : struct, IExpirySink
    {
        ref Bucket b = ref _buckets[slot];
        if (_drainScratch.Length < b.Live)
        {
            _drainScratch = new ExpiredTimer[Math.Max(b.Live, _drainScratch.Length * 2)];
        }
        int count = 0;
        int[] items = b.Items;
        for (int k = b.Head; k < b.Count; k++)
        {
            int index = items[k];
            if (index == Hole)
            {
                continue;
            }
            ref Node node = ref _nodes[index];
            _drainScratch[count++] = new ExpiredTimer(node.Deadline, node.Sequence, node.Token);
            FreeNode(index);
        }
        Count -= count;
        Empty(slot);
        Span<ExpiredTimer> due = _drainScratch.AsSpan(0, count);
        _expiredSort.Sort(due);
        foreach (ref readonly ExpiredTimer t in due)
        {
            sink.Add(t.Deadline, t.Sequence, t.Token);
        }
    }

    /// <summary>Moves every timer of a higher-level bucket down to the buckets its deadline now belongs to.</summary>
    private void Cascade(int bucket)
    {
        // Place never puts a timer back into the bucket it leaves (the wheel now stands at that bucket's start, so
        // every deadline in it is less than a bucket of this level away), so the array can be walked in place.
        ref Bucket b = ref _buckets[bucket];
        int[] items = b.Items;
        int count = b.Count;
        for (int k = b.Head; k < count; k++)
        {
            if (items[k] != Hole)
            {
                Place(items[k]);
            }
        }
        Empty(bucket);
    }

    private void RecheckOverflow(long nowTick)
    {
        _overflowCheckedTick = nowTick;
        // A timer still too far away goes back into the overflow bucket, so walk a copy of it.
        ref Bucket b = ref _buckets[OverflowBucket];
        int count = 0;
        if (_overflowScratch.Length < b.Live)
        {
            _overflowScratch = new int[b.Live];
        }
        for (int k = b.Head; k < b.Count; k++)
        {
            if (b.Items[k] != Hole)
            {
                _overflowScratch[count++] = b.Items[k];
            }
        }
        Empty(OverflowBucket);
        for (int k = 0; k < count; k++)
        {
            Place(_overflowScratch[k]);
        }
    }

    /// <summary>Appends node <paramref name="index"/> to the bucket its deadline belongs to, relative to the wheel's position.</summary>
    private void Place(int index)
    {
        ref Node node = ref _nodes[index];
        long whenTick = Math.Max(node.Deadline >> TickShift, _elapsedTick);
        int bucket;
        if (whenTick - _elapsedTick >= WheelRangeTicks - OverflowRecheckTicks)
        {
            // Too far away for the wheel's last rotation to tell apart from the current one.
            bucket = OverflowBucket;
        }
        else
        {
            long masked = Math.Min((_elapsedTick ^ whenTick) | SlotMask, WheelRangeTicks - 1);
            int level = (63 - BitOperations.LeadingZeroCount((ulong)masked)) / LevelBits;
            int slot = (int)(whenTick >> (level * LevelBits)) & SlotMask;
            bucket = level * SlotsPerLevel + slot;
            _occupied[level] |= 1UL << slot;
            if (level == 0)
            {
                _sortedLevel0 &= ~(1UL << slot);
            }
        }
        ref Bucket b = ref _buckets[bucket];
        if (b.Count == b.Items.Length)
        {
            MakeRoom(ref b);
        }
        node.Bucket = bucket;
        node.Pos = b.Count;
        b.Items[b.Count++] = index;
        b.Live++;
    }

    /// <summary>Makes room at the end of a full bucket: closes the gap before its start if that is most of it, else grows it.</summary>
    private void MakeRoom(ref Bucket b)
    {
        if (b.Head >= b.Items.Length / 2)
        {
            int n = 0;
            for (int k = b.Head; k < b.Count; k++)
            {
                int index = b.Items[k];
                if (index != Hole)
                {
                    _nodes[index].Pos = n;
                    b.Items[n++] = index;
                }
            }
            b.Head = 0;
            b.Count = n;
            if (n < b.Items.Length)
            {
                return;
            }
        }
        if (_recycle)
        {
            GrowFromSpare(ref b);
            return;
        }
        Array.Resize(ref b.Items, b.Items.Length * 2);
    }

    /// <summary>
    /// Doubles a full bucket of a recycling wheel with a spare array (the smallest large enough) if there is one, else
    /// a new one; its old array becomes a spare, for a bucket that empties to take in exchange for its larger one.
    /// </summary>
    private void GrowFromSpare(ref Bucket b)
    {
        int[] old = b.Items;
        int want = BitOperations.Log2((uint)old.Length) + 1;
        int[]? bigger = null;
        for (int c = want; c < _spareCount.Length; c++)
        {
            if (_spareCount[c] != 0)
            {
                bigger = _spare[c][--_spareCount[c]];
                _spare[c][_spareCount[c]] = null!;
                break;
            }
        }
        bigger ??= new int[old.Length * 2];
        Array.Copy(old, bigger, b.Count);
        b.Items = bigger;
        PushSpare(old);
    }

    private void PushSpare(int[] array)
    {
        int c = BitOperations.Log2((uint)array.Length);
        if (c >= _spareCount.Length)
        {
            Array.Resize(ref _spare, c + 1);
            Array.Resize(ref _spareCount, c + 1);
        }
        int[][]? stack = _spare[c];
        if (stack is null || _spareCount[c] == stack.Length)
        {
            Array.Resize(ref _spare[c], Math.Max(4, _spareCount[c] * 2));
        }
        _spare[c][_spareCount[c]++] = array;
    }

    /// <summary>
    /// For a recycling wheel, when a bucket with a grown array empties: trades the array for the smallest spare, so that
    /// the large one serves the next bucket that grows. Without a spare to trade, the bucket keeps its array.
    /// </summary>
    private void RecycleArray(ref Bucket b)
    {
        int mine = BitOperations.Log2((uint)b.Items.Length);
        for (int c = 2; c < mine && c < _spareCount.Length; c++)
        {
            if (_spareCount[c] != 0)
            {
                int[] small = _spare[c][--_spareCount[c]];
                _spare[c][_spareCount[c]] = null!;
                PushSpare(b.Items);
                b.Items = small;
                return;
            }
        }
    }

    /// <summary>Takes the index at <paramref name="pos"/> out of <paramref name="bucket"/>.</summary>
    private void Detach(int bucket, int pos)
    {
        ref Bucket b = ref _buckets[bucket];
        b.Live--;
        if (b.Live == 0)
        {
            Empty(bucket);
            return;
        }
        if (bucket < SlotsPerLevel && (_sortedLevel0 & (1UL << bucket)) != 0)
        {
            // Sorted: keep the order; the walks skip the hole.
            b.Items[pos] = Hole;
            return;
        }
        int last = b.Items[--b.Count];
        if (pos != b.Count)
        {
            b.Items[pos] = last;
            if (last != Hole)
            {
                _nodes[last].Pos = pos;
            }
        }
    }

    /// <summary>Marks a bucket empty (keeping its array for reuse).</summary>
    private void Empty(int bucket)
    {
        ref Bucket b = ref _buckets[bucket];
        b.Head = 0;
        b.Count = 0;
        b.Live = 0;
        if (_recycle && b.Items.Length > 4)
        {
            RecycleArray(ref b);
        }
        if (bucket < OverflowBucket)
        {
            _occupied[bucket / SlotsPerLevel] &= ~(1UL << (bucket % SlotsPerLevel));
        }
    }

    private static void SkipHoles(ref Bucket b)
    {
        while (b.Items[b.Head] == Hole)
        {
            b.Head++;
        }
    }

    /// <summary>Puts level-0 bucket <paramref name="slot"/> in (deadline, sequence) order, unless it already is.</summary>
    private void SortLevel0(int slot)
    {
        ulong bit = 1UL << slot;
        if ((_sortedLevel0 & bit) != 0)
        {
            return;
        }
        _sortedLevel0 |= bit;
        ref Bucket b = ref _buckets[slot];
        if (_sortScratch.Length < b.Live)
        {
            _sortScratch = new SortEntry[Math.Max(b.Live, _sortScratch.Length * 2)];
        }
        int count = 0;
        for (int k = b.Head; k < b.Count; k++)
        {
            int index = b.Items[k];
            if (index != Hole)
            {
                ref Node node = ref _nodes[index];
                _sortScratch[count++] = new SortEntry(node.Deadline, node.Sequence, index);
            }
        }
        // New timers are appended, so a bucket that was sorted before is a sorted run followed by the timers added
        // since: sort only those and merge them in, O(k + m log m) for m new timers among k. Timers re-armed into
        // the bucket being drained then cost a pass per wake-up, not a full sort.
        int sortedTo = 1;
        while (sortedTo < count && _sortScratch[sortedTo - 1].CompareTo(_sortScratch[sortedTo]) <= 0)
        {
            sortedTo++;
        }
        if (sortedTo < count)
        {
            MergeUnsortedSuffix(count, sortedTo);
        }
        for (int k = 0; k < count; k++)
        {
            int index = _sortScratch[k].Index;
            b.Items[k] = index;
            _nodes[index].Pos = k;
        }
        b.Head = 0;
        b.Count = count;
    }

    /// <summary>Sorts <c>_sortScratch[suffix..count)</c> and merges it with the sorted <c>_sortScratch[0..suffix)</c>.</summary>
    private void MergeUnsortedSuffix(int count, int suffix)
    {
        Span<SortEntry> all = _sortScratch.AsSpan(0, count);
        _entrySort.Sort(all[suffix..]);
        // Merge from the back, so that the sorted run can stay where it is until its slots are overwritten: copy the
        // new (right) run aside and fill positions count-1 down to 0.
        int right = count - suffix;
        if (_mergeScratch.Length < right)
        {
            _mergeScratch = new SortEntry[Math.Max(right, _mergeScratch.Length * 2)];
        }
        Span<SortEntry> added = _mergeScratch.AsSpan(0, right);
        all[suffix..].CopyTo(added);
        int a = suffix - 1, r = right - 1, o = count - 1;
        while (r >= 0)
        {
            // Ties: the sorted run holds the older timers only where sequences say so; compare, never assume.
            all[o--] = a >= 0 && all[a].CompareTo(added[r]) > 0 ? all[a--] : added[r--];
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

    private int AllocateNode() => _nodes.Allocate();

    private void FreeNode(int index)
    {
        _nodes[index].Bucket = BucketFree;
        _nodes.Free(index);
    }

    /// <summary>
    /// When no timer is pending: hands nodes out in index order again, so that the next timers' nodes are next to each
    /// other in memory. Every <see cref="TimerKey"/> given out before may then name a new timer: only for a wheel whose
    /// owner keeps no key of a timer that has fired or been cancelled (a <see cref="TimerQueue{T}"/>'s wheel).
    /// </summary>
    internal void ResetNodesWhenEmpty()
    {
        if (Count == 0 && _nodes.Used != 0)
        {
            _nodes.ResetEmpty(1);
        }
    }

    /// <summary>How many nodes the wheel holds memory for.</summary>
    internal int NodeCapacity => _nodes.Capacity;

    /// <summary>True when the wheel holds much more memory than its pending timers need (after a burst).</summary>
    internal bool IsSparse => _nodes.IsSparse;

    /// <summary>
    /// Gives back the memory a burst of timers left behind: nodes past the highest pending one, bucket arrays grown
    /// past what their timers need, and the sorting scratch.
    /// </summary>
    internal void TrimExcess()
    {
        _nodes.TrimExcess(_minNodes);
        _spare = [];
        _spareCount = [];
        foreach (ref Bucket b in _buckets.AsSpan())
        {
            if (b.Items.Length > 4 && b.Items.Length > 2 * b.Live)
            {
                ShrinkBucket(ref b);
            }
        }
        _sortScratch = new SortEntry[64];
        _mergeScratch = new SortEntry[16];
        _drainScratch = new ExpiredTimer[64];
        _overflowScratch = [];
        _entrySort.TrimExcess();
        _expiredSort.TrimExcess();
    }

    /// <summary>Moves a bucket's live indices to the start of an array just large enough for them (order kept).</summary>
    private void ShrinkBucket(ref Bucket b)
    {
        var items = new int[Math.Max(4, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)b.Live))];
        int n = 0;
        for (int k = b.Head; k < b.Count; k++)
        {
            int index = b.Items[k];
            if (index != Hole)
            {
                _nodes[index].Pos = n;
                items[n++] = index;
            }
        }
        b.Items = items;
        b.Head = 0;
        b.Count = n;
    }

    /// <summary>One timer: its deadline and order, the token it fires, and where it is.</summary>
    private struct Node : IArenaSlot
    {
        internal long Deadline;
        internal long Sequence;
        internal ulong Token;
        internal int Bucket;
        internal int Pos;

        /// <inheritdoc/>
        public int Version { get; set; }

        /// <inheritdoc/>
        public int NextFree
        {
            readonly get => Pos;
            set => Pos = value;
        }
    }

    /// <summary>A bucket's node indices: <c>Items[Head..Count)</c>, of which <c>Live</c> are timers and the rest holes.</summary>
    private struct Bucket
    {
        internal int[] Items;
        internal int Head;
        internal int Count;
        internal int Live;
    }
}

/// <summary>A node of a level-0 bucket being sorted: its order key and its index.</summary>
internal readonly record struct SortEntry(long Deadline, long Sequence, int Index) : IComparable<SortEntry>, ITimerOrder
{
    public int CompareTo(SortEntry other)
    {
        int c = Deadline.CompareTo(other.Deadline);
        return c != 0 ? c : Sequence.CompareTo(other.Sequence);
    }
}

/// <summary>Receives the timers <see cref="TimerWheel.TakeExpired{TSink}"/> takes out, in order (a struct: direct calls).</summary>
internal interface IExpirySink
{
    /// <summary>Takes one expired timer: its deadline, its insertion sequence (see <see cref="TimerWheel.NextSequence"/>) and its token.</summary>
    void Add(long deadlineNs, long sequence, ulong token);
}

/// <summary>Identifies a pending timer in a <see cref="TimerWheel"/>: node index and its version.</summary>
internal readonly record struct TimerKey(int Index, int Version);

/// <summary>A timer taken out of the wheel because its deadline passed; ordered by deadline, then insertion.</summary>
/// <remarks>
/// Comparable itself (rather than through an <see cref="IComparer{T}"/>) so that sorting a span of them takes the
/// generic path whose comparisons are inlined, instead of a delegate call per comparison.
/// </remarks>
internal readonly record struct ExpiredTimer(long Deadline, long Sequence, ulong Token) : IComparable<ExpiredTimer>, ITimerOrder
{
    public int CompareTo(ExpiredTimer other)
    {
        int c = Deadline.CompareTo(other.Deadline);
        return c != 0 ? c : Sequence.CompareTo(other.Sequence);
    }
}
