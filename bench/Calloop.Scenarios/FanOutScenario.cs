using System;

namespace Calloop.Scenarios;

/// <summary>S4: 1000 level-triggered pipes; each round writes one byte to 10 distinct pipes and dispatches once without waiting.</summary>
internal static unsafe class FanOutScenario
{
    private const int Pipes = 1000;
    private const int PerRound = 10;

    internal static Result Run(long rounds)
    {
        Native.RaiseNoFile(4096);
        using var loop = new EventLoop<long>(BenchBackend.Options());
        var readEnds = new int[Pipes];
        var writeEnds = new int[Pipes];
        for (int i = 0; i < Pipes; i++)
        {
            (readEnds[i], writeEnds[i]) = Native.Pipe();
            loop.Handle.InsertSource(Generic.From(new FileDescriptor(readEnds[i]), Interest.Readable, Mode.Level), static (_, ref fd, ref handled) =>
            {
                if (ReadOne(fd.Value))
                {
                    handled++;
                }
                return PostAction.Continue;
            });
        }
        long handled = 0;
        var rng = new Xorshift(Xorshift.SeedS4);
        Span<int> pick = stackalloc int[PerRound];
        byte x = (byte)'x';

        long a0 = GC.GetAllocatedBytesForCurrentThread();
        long w0 = Native.MonoNs(), c0 = Native.CpuNs();
        for (long r = 0; r < rounds; r++)
        {
            PickDistinct(ref rng, pick);
            for (int j = 0; j < PerRound; j++)
            {
                Native.Write(writeEnds[pick[j]], &x, 1);
            }
            loop.Dispatch(TimeSpan.Zero, ref handled);
        }
        long w = Native.MonoNs() - w0, c = Native.CpuNs() - c0;
        long alloc = GC.GetAllocatedBytesForCurrentThread() - a0;

        loop.Dispose();
        for (int i = 0; i < Pipes; i++)
        {
            Native.Close(readEnds[i]);
            Native.Close(writeEnds[i]);
        }
        long expect = rounds * PerRound;
        if (handled != expect)
        {
            return Result.Fail("S4", $"handled={handled} expected={expect}");
        }
        return new Result("S4", rounds, w, c, (double)w / expect, alloc, $" events={handled}");
    }

    private static bool ReadOne(int fd)
    {
        byte b;
        return Native.Read(fd, &b, 1) == 1;
    }

    /// <summary>10 distinct indices below 1000; a repeated draw is discarded and drawn again.</summary>
    internal static void PickDistinct(ref Xorshift rng, Span<int> pick)
    {
        int k = 0;
        while (k < pick.Length)
        {
            int c = (int)(rng.Next() % Pipes);
            if (pick[..k].Contains(c))
            {
                continue;
            }
            pick[k++] = c;
        }
    }
}
