using BenchmarkDotNet.Attributes;

namespace Calloop.Benchmarks;

/// <summary>The idle queue: queue a callback and run the snapshot, as one dispatch's idle phase does.</summary>
[MemoryDiagnoser]
public class IdleQueueBenchmarks
{
    private static readonly IdleCallback<long> s_count = static (ref long n) => n++;
    private readonly IdleQueue<long> _queue = new(new LoopState());
    private long _count;

    /// <summary>One insert and one snapshot run of one callback.</summary>
    [Benchmark]
    public long InsertAndRun()
    {
        _queue.Insert(s_count);
        _queue.RunSnapshot(ref _count);
        return _count;
    }

    /// <summary>Eight inserts, then one snapshot running all eight (per callback).</summary>
    [Benchmark(OperationsPerInvoke = 8)]
    public long InsertEightAndRun()
    {
        for (int i = 0; i < 8; i++)
        {
            _queue.Insert(s_count);
        }
        _queue.RunSnapshot(ref _count);
        return _count;
    }
}
