using System;

namespace Calloop.Timers;

/// <summary>What orders timers: deadline, then sequence (insertion order).</summary>
internal interface ITimerOrder
{
    long Deadline { get; }

    long Sequence { get; }
}

/// <summary>
/// Sorts the timers of one wheel bucket by (deadline, sequence). A bucket's deadlines lie within about a
/// millisecond of each other, so they are sorted as 21-bit offsets by three counting passes of 7 bits (a stable
/// radix sort, no comparisons), then each run of equal deadlines is put in sequence order. A comparison sort spends
/// most of its time on branches it cannot predict: measured on the S2 benchmark it was a sixth of the cost of
/// firing a timer. Small buckets, and buckets whose deadlines spread wider (timers long overdue land in the
/// current bucket), are sorted by comparison.
/// </summary>
internal sealed class TimerSort<T>
    where T : struct, ITimerOrder, IComparable<T>
{
    private const int Bits = 7;
    private const int Radix = 1 << Bits;
    private const int Passes = 3;
    private const int MinRadixCount = 64;

    private T[] _scratch = new T[64];
    private readonly int[] _counts = new int[Radix];

    /// <summary>Drops a scratch array grown for a large bucket.</summary>
    internal void TrimExcess() => _scratch = new T[64];

    internal void Sort(Span<T> timers)
    {
        int n = timers.Length;
        if (n < MinRadixCount)
        {
            timers.Sort();
            return;
        }
        long min = long.MaxValue, max = long.MinValue;
        foreach (ref readonly T t in timers)
        {
            min = Math.Min(min, t.Deadline);
            max = Math.Max(max, t.Deadline);
        }
        if ((ulong)(max - min) >= 1UL << (Bits * Passes))
        {
            timers.Sort();
            return;
        }
        if (_scratch.Length < n)
        {
            _scratch = new T[Math.Max(n, _scratch.Length * 2)];
        }
        Span<T> from = timers, to = _scratch.AsSpan(0, n);
        for (int pass = 0; pass < Passes; pass++)
        {
            int shift = pass * Bits;
            Span<int> counts = _counts;
            counts.Clear();
            foreach (ref readonly T t in from)
            {
                counts[(int)((t.Deadline - min) >> shift) & (Radix - 1)]++;
            }
            int sum = 0;
            for (int d = 0; d < Radix; d++)
            {
                int c = counts[d];
                counts[d] = sum;
                sum += c;
            }
            foreach (ref readonly T t in from)
            {
                to[counts[(int)((t.Deadline - min) >> shift) & (Radix - 1)]++] = t;
            }
            Span<T> swap = from;
            from = to;
            to = swap;
        }
        // Three passes leave the result in the scratch.
        from.CopyTo(timers);
        OrderTiesBySequence(timers);
    }

    /// <summary>Puts each run of equal deadlines in sequence order (runs are short: insertion sort).</summary>
    private static void OrderTiesBySequence(Span<T> timers)
    {
        for (int i = 1; i < timers.Length; i++)
        {
            if (timers[i].Deadline != timers[i - 1].Deadline || timers[i].Sequence > timers[i - 1].Sequence)
            {
                continue;
            }
            T t = timers[i];
            int j = i - 1;
            while (j >= 0 && timers[j].Deadline == t.Deadline && timers[j].Sequence > t.Sequence)
            {
                timers[j + 1] = timers[j];
                j--;
            }
            timers[j + 1] = t;
        }
    }
}
