using BenchmarkDotNet.Attributes;
using Calloop.Sources;

namespace Calloop.Benchmarks;

/// <summary>The first step of delivering an event: from the event's token to the live source entry.</summary>
[MemoryDiagnoser]
public class TokenLookupBenchmarks
{
    private const int Sources = 1024;
    private EventLoop<int> _loop = null!;
    private Token[] _tokens = null!;

    /// <summary>A loop holding 1024 timers that never fire, and one token per timer.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _loop = new EventLoop<int>();
        _tokens = new Token[Sources];
        for (int i = 0; i < Sources; i++)
        {
            RegistrationToken r = _loop.Handle.InsertSource(TimerSource.FromDeadline(Instant.MaxValue), static (_, ref _, ref _) => TimeoutAction.Drop);
            _tokens[i] = new Token(r.Slot, r.Version, 0);
        }
    }

    /// <summary>Releases the loop.</summary>
    [GlobalCleanup]
    public void Cleanup() => _loop.Dispose();

    /// <summary>Looks up every token once (1024 lookups per operation).</summary>
    [Benchmark(OperationsPerInvoke = Sources)]
    public int EntryFor()
    {
        int found = 0;
        Token[] tokens = _tokens;
        for (int i = 0; i < tokens.Length; i++)
        {
            if (_loop.Handle.Registry.EntryFor(tokens[i]) is not null)
            {
                found++;
            }
        }
        return found;
    }
}
