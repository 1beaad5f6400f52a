using System.Runtime.InteropServices;

namespace Calloop.Scenarios;

/// <summary>The libc calls the harness itself needs (clocks, pinning, sleeping, pipes); the loop's own live in the runtime.</summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc";

    internal const int ClockMonotonic = 1;
    internal const int ClockThreadCpuTime = 3;
    internal const int TimerAbsTime = 1;
    internal const int ONonBlock = 0x800;
    internal const int OCloExec = 0x80000;
    private const int RlimitNoFile = 7;
    private const int EIntr = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Current;
        public ulong Max;
    }

    [LibraryImport(Libc, EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, Timespec* ts);

    [LibraryImport(Libc, EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, Timespec* request, Timespec* remain);

    [LibraryImport(Libc, EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nuint size, ulong* mask);

    [LibraryImport(Libc, EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* fds, int flags);

    // The scenarios' own reads and writes (S4) look only at the return value, so errno is not marshalled.
    [LibraryImport(Libc, EntryPoint = "read")]
    internal static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "write")]
    internal static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "close")]
    internal static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "getrlimit")]
    private static partial int GetRlimit(int resource, Rlimit* limit);

    [LibraryImport(Libc, EntryPoint = "setrlimit")]
    private static partial int SetRlimit(int resource, Rlimit* limit);

    /// <summary>The last timed region (CLOCK_MONOTONIC ns), printed to stderr when CALLOOP_BENCH_MARK=1 to cut a profile to it (`perf record -k CLOCK_MONOTONIC`, then `perf report --time`).</summary>
    internal static (long Start, long End) LastTimedRegion;

    internal static long MonoNs() => Clock(ClockMonotonic);

    internal static long CpuNs() => Clock(ClockThreadCpuTime);

    private static long Clock(int clock)
    {
        Timespec ts;
        ClockGetTime(clock, &ts);
        return ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
    }

    /// <summary>Sleeps until the absolute monotonic time <paramref name="ns"/>, retrying when interrupted.</summary>
    internal static void SleepUntilNs(long ns)
    {
        Timespec ts = new() { Seconds = ns / 1_000_000_000L, Nanoseconds = ns % 1_000_000_000L };
        while (ClockNanosleep(ClockMonotonic, TimerAbsTime, &ts, null) == EIntr)
        {
        }
    }

    /// <summary>Pins the calling thread to <paramref name="cpu"/> when the machine has at least two CPUs.</summary>
    internal static void PinSelfToCpu(int cpu)
    {
        if (System.Environment.ProcessorCount < 2)
        {
            return;
        }
        ulong* mask = stackalloc ulong[16];
        for (int i = 0; i < 16; i++)
        {
            mask[i] = 0;
        }
        mask[cpu / 64] = 1UL << (cpu % 64);
        if (SchedSetAffinity(0, 16 * sizeof(ulong), mask) != 0)
        {
            throw new System.InvalidOperationException($"sched_setaffinity(cpu {cpu}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    internal static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (Pipe2(fds, ONonBlock | OCloExec) != 0)
        {
            throw new System.InvalidOperationException($"pipe2 failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return (fds[0], fds[1]);
    }

    /// <summary>Raises the soft RLIMIT_NOFILE to at least <paramref name="wanted"/> when the hard limit allows.</summary>
    internal static void RaiseNoFile(ulong wanted)
    {
        Rlimit rl;
        GetRlimit(RlimitNoFile, &rl);
        if (rl.Current < wanted && rl.Max > rl.Current)
        {
            rl.Current = rl.Max < wanted ? rl.Max : wanted;
            SetRlimit(RlimitNoFile, &rl);
        }
    }
}
