namespace Calloop.Scenarios;

/// <summary>xorshift64* (Vigna 2016), the generator every peer draws its random choices from.</summary>
internal struct Xorshift(ulong seed)
{
    internal const ulong SeedS2 = 0x9E3779B97F4A7C15UL;
    internal const ulong SeedS4 = 0x243F6A8885A308D3UL;

    private ulong _state = seed;

    internal readonly ulong State => _state;

    internal ulong Next()
    {
        ulong s = _state;
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        _state = s;
        return unchecked(s * 0x2545F4914F6CDD1DUL);
    }
}
