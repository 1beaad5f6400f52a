using BenchmarkDotNet.Attributes;
using Calloop.Timers;

namespace Calloop.Benchmarks;

/// <summary>The timer wheel alone: insert, cancel, expire and the next-deadline query, with <see cref="Pending"/> other timers in it.</summary>
[MemoryDiagnoser]
public class TimerWheelBenchmarks
{
    private const int Batch = 1024;
    private const long Origin = 1_000_000_000_000;
    private TimerWheel _wheel = null!;
    private readonly TimerKey[] _keys = new TimerKey[Batch];
    private Counter _expired;
    private long _now;

    /// <summary>Timers already in the wheel, spread over the next 200 ms.</summary>
    [Params(0, 100_000)]
    public int Pending { get; set; }

    /// <summary>A wheel holding <see cref="Pending"/> timers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _now = Origin;
        _wheel = new TimerWheel(_now);
        ulong s = 0x9E3779B97F4A7C15UL;
        for (int i = 0; i < Pending; i++)
        {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            long dUs = (long)(unchecked(s * 0x2545F4914F6CDD1DUL) % 200_000);
            _wheel.Insert(_now + 1_000_000_000 + dUs * 1000, (ulong)i);
        }
    }

    /// <summary>Inserts 1024 timers over the next 200 ms, then cancels them in insertion order.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void InsertCancel()
    {
        for (int i = 0; i < Batch; i++)
        {
            _keys[i] = _wheel.Insert(_now + (i * 195_313L), (ulong)i);
        }
        for (int i = 0; i < Batch; i++)
        {
            _wheel.Cancel(_keys[i]);
        }
    }

    /// <summary>Inserts 1024 timers over the next millisecond, then moves the clock past them and expires them.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int InsertExpire()
    {
        for (int i = 0; i < Batch; i++)
        {
            _wheel.Insert(_now + 1 + i * 977L, (ulong)i);
        }
        _now += 1_000_000;
        _expired = default;
        _wheel.TakeExpired(_now, ref _expired);
        return _expired.Count;
    }

    /// <summary>The earliest-deadline query the loop makes before each wait.</summary>
    [Benchmark]
    public long? NextWakeNs() => _wheel.NextWakeNs();

    /// <summary>
    /// One wake-up inside a busy ~1 ms bucket (512 timers): a timer re-armed into that same bucket, the clock moved
    /// by 1 µs, the due timers expired, and the next wake time asked for. The worst case of the sorted level-0
    /// bucket: each insertion into the bucket being drained makes the next query sort it again.
    /// </summary>
    [Benchmark]
    public long? RearmIntoDrainingBucket()
    {
        if (_busy is null || _busy.Count < 256)
        {
            _busyNow = Origin + 10_000_000_000;
            _busy = new TimerWheel(_busyNow);
            long bucketStart = (_busyNow >> 20) << 20;
            for (int i = 0; i < 512; i++)
            {
                _busy.Insert(bucketStart + (1 << 20) - 1 - i * 997L, (ulong)i);
            }
        }
        _busy.Insert(_busyNow + 200_000, 0);
        _busyNow += 1_000;
        _expired = default;
        _busy.TakeExpired(_busyNow, ref _expired);
        return _busy.NextWakeNs();
    }

    private TimerWheel? _busy;
    private long _busyNow;

    /// <summary>Counts the expired timers, as the loop's own sink hands each to its source.</summary>
    private struct Counter : IExpirySink
    {
        public int Count;

        public void Add(long deadlineNs, long sequence, ulong token) => Count++;
    }
}
