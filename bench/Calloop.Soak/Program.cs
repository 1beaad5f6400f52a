// Soak: millions of dispatches over mixed sources (a self-re-arming ping, a re-arming timer, an idle that
// re-queues itself, a pipe written and drained every dispatch, a source inserted and removed every 100
// dispatches), then checks that the managed heap and the descriptor count are flat.
// Usage: dotnet run -c Release --project bench/Calloop.Soak [dispatches=10000000]
using System;
using System.IO;
using System.Runtime.InteropServices;
using Calloop;

long total = args.Length > 0 ? long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000_000;
using var loop = new EventLoop<Stats>();
LoopHandle<Stats> handle = loop.Handle;

var (ping, pingSource) = Ping.Create();
handle.InsertSource(pingSource, (_, ref _, ref s) =>
{
    s.Pings++;
    ping.Send();
});
handle.InsertSource(TimerSource.Immediate(), (deadline, ref _, ref s) =>
{
    s.Timers++;
    return TimeoutAction.ToInstant(deadline + TimeSpan.FromMicroseconds(50));
});
IdleCallback<Stats>? idle = null;
idle = (ref s) =>
{
    s.Idles++;
    handle.InsertIdle(idle!);
};
handle.InsertIdle(idle);

int[] pipe = Native.Pipe();
handle.InsertSource(Generic.From(new FileDescriptor(pipe[0]), Interest.Readable, Mode.Level), (_, ref fd, ref s) =>
{
    s.Reads += Native.Drain(fd.Value);
    return PostAction.Continue;
});

var stats = new Stats();
ping.Send();
long heapBefore = 0;
int fdsBefore = 0;
var watch = System.Diagnostics.Stopwatch.StartNew();
for (long i = 0; i < total; i++)
{
    if (i == total / 10)
    {
        // After warm-up: the baseline.
        heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        fdsBefore = Directory.GetFiles("/proc/self/fd").Length;
    }
    Native.WriteByte(pipe[1]);
    if (i % 100 == 0)
    {
        var (p, s) = Ping.Create();
        RegistrationToken t = handle.InsertSource(s, (_, ref _, ref _) => { });
        handle.Remove(t);
        p.Dispose();
    }
    loop.Dispatch(TimeSpan.Zero, ref stats);
}
long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
int fdsAfter = Directory.GetFiles("/proc/self/fd").Length;
Console.WriteLine($"dispatches={total} seconds={watch.Elapsed.TotalSeconds:F1} pings={stats.Pings} timers={stats.Timers} idles={stats.Idles} bytes_read={stats.Reads}");
Console.WriteLine($"heap_before={heapBefore} heap_after={heapAfter} fds_before={fdsBefore} fds_after={fdsAfter}");
bool ok = heapAfter - heapBefore < 1_000_000 && fdsAfter == fdsBefore && stats.Reads == total;
Console.WriteLine(ok ? "soak OK" : "soak FAILED");
return ok ? 0 : 1;

internal sealed class Stats
{
    public long Pings;
    public long Timers;
    public long Idles;
    public long Reads;
}

internal static unsafe partial class Native
{
    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte* buffer, nuint count);

    internal static int[] Pipe()
    {
        int* fds = stackalloc int[2];
        if (Pipe2(fds, 0x800 | 0x80000) != 0)
        {
            throw new InvalidOperationException($"pipe2 failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return [fds[0], fds[1]];
    }

    internal static void WriteByte(int fd)
    {
        byte b = (byte)'x';
        Write(fd, &b, 1);
    }

    internal static long Drain(int fd)
    {
        byte* buffer = stackalloc byte[64];
        long total = 0;
        nint n;
        while ((n = Read(fd, buffer, 64)) > 0)
        {
            total += n;
        }
        return total;
    }
}
