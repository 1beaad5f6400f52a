using System;
using BenchmarkDotNet.Attributes;

namespace Calloop.Benchmarks;

/// <summary>
/// Whole dispatches through the public API: with no event, with one always-ready level-triggered fd (one callback
/// per dispatch), and with a ping re-armed by its own callback (S1's work: epoll_wait, read, write).
/// </summary>
[MemoryDiagnoser]
public unsafe class DispatchBenchmarks
{
    private EventLoop<long> _empty = null!;
    private EventLoop<long> _readyFd = null!;
    private EventLoop<PingData> _ping = null!;
    private int _readEnd;
    private int _writeEnd;
    private long _count;
    private PingData _pingData;

    /// <summary>The shared data of the ping loop: a counter and the ping its callback sends.</summary>
    public struct PingData
    {
        /// <summary>Callbacks so far.</summary>
        public long Count;

        /// <summary>The ping the callback re-arms.</summary>
        public Ping Ping;
    }

    /// <summary>Three loops; the fd loop watches a pipe that holds one byte and is never drained.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _empty = new EventLoop<long>();

        _readyFd = new EventLoop<long>();
        int* fds = stackalloc int[2];
        if (Pipe2(fds, 0x800 | 0x80000) != 0)
        {
            throw new InvalidOperationException("pipe2 failed");
        }
        _readEnd = fds[0];
        _writeEnd = fds[1];
        byte b = 1;
        Write(_writeEnd, &b, 1);
        _readyFd.Handle.InsertSource(Generic.From(new FileDescriptor(_readEnd), Interest.Readable, Mode.Level), static (_, ref _, ref n) =>
        {
            n++;
            return PostAction.Continue;
        });

        _ping = new EventLoop<PingData>();
        var (ping, source) = Ping.Create();
        _pingData = new PingData { Ping = ping };
        _ping.Handle.InsertSource(source, static (_, ref _, ref d) =>
        {
            d.Count++;
            d.Ping.Send();
        });
        ping.Send();
    }

    /// <summary>Closes the loops and the pipe.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _empty.Dispose();
        _readyFd.Dispose();
        _ping.Dispose();
        _pingData.Ping.Dispose();
        Close(_readEnd);
        Close(_writeEnd);
    }

    /// <summary>A zero-timeout dispatch that finds nothing: one epoll_wait and the loop's bookkeeping.</summary>
    [Benchmark(Baseline = true)]
    public void EmptyDispatch() => _empty.Dispatch(TimeSpan.Zero, ref _count);

    /// <summary>A zero-timeout dispatch delivering one level-triggered fd event to its callback.</summary>
    [Benchmark]
    public void OneReadySource() => _readyFd.Dispatch(TimeSpan.Zero, ref _count);

    /// <summary>A dispatch delivering a ping whose callback pings again (epoll_wait + read + write).</summary>
    [Benchmark]
    public void PingRoundTrip() => _ping.Dispatch(null, ref _pingData);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "pipe2")]
    private static extern int Pipe2(int* fds, int flags);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "write")]
    private static extern nint Write(int fd, void* buffer, nuint count);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
