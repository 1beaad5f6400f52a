using System;
using BenchmarkDotNet.Attributes;
using Calloop.CompilerServices;

namespace Calloop.Benchmarks;

/// <summary>
/// One event per dispatch, delivered to the same handler method three ways: (a) the generator's handler struct
/// (<c>[OnEvent]</c> + <c>InsertSources</c>), (b) a lambda passed to <c>InsertSource</c>, (c) an
/// <c>IEventHandler</c> struct written by hand; for a timer that re-arms itself, a ping re-sent by its handler and an
/// always-ready level-triggered pipe.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class GeneratedDispatchBenchmarks
{
    private readonly Loops<TimerApp> _timer = new();
    private readonly Loops<PingApp> _ping = new();
    private readonly Loops<FdApp> _fd = new();
    private int _readEnd;
    private int _writeEnd;

    /// <summary>Three loops per source kind, one per way of wiring the handler.</summary>
    [GlobalSetup]
    public void Setup()
    {
        int* fds = stackalloc int[2];
        if (Pipe2(fds, 0x800 | 0x80000) != 0)
        {
            throw new InvalidOperationException("pipe2 failed");
        }
        _readEnd = fds[0];
        _writeEnd = fds[1];
        byte b = 1;
        Write(_writeEnd, &b, 1);

        _timer.Init(() => new TimerApp());
        _timer.Generated.Data.InsertSources(_timer.Generated.Loop.Handle);
        _timer.Lambda.Loop.Handle.InsertSource(_timer.Lambda.Data.Tick, static (deadline, ref _, ref d) => d.OnTick(deadline));
        _timer.Struct.Loop.Handle.InsertSource<Instant, Unit, TimeoutAction, TickHandler>(_timer.Struct.Data.Tick, default);

        _ping.Init(() => new PingApp());
        _ping.Generated.Data.InsertSources(_ping.Generated.Loop.Handle);
        _ping.Lambda.Loop.Handle.InsertSource(_ping.Lambda.Data.Source, static (ping, ref _, ref d) => d.OnPing(ping));
        _ping.Struct.Loop.Handle.InsertSource<Unit, Unit, Unit, PingHandler>(_ping.Struct.Data.Source, default);
        _ping.ForEach(app => app.Ping.Send());

        _fd.Init(() => new FdApp(_readEnd));
        _fd.Generated.Data.InsertSources(_fd.Generated.Loop.Handle);
        _fd.Lambda.Loop.Handle.InsertSource(_fd.Lambda.Data.Pipe, static (readiness, ref _, ref d) => d.OnReady(readiness));
        _fd.Struct.Loop.Handle.InsertSource<Readiness, FileDescriptor, PostAction, FdHandler>(_fd.Struct.Data.Pipe, default);
    }

    /// <summary>Closes the loops and the pipe.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _timer.Dispose();
        _ping.ForEach(app => app.Ping.Dispose());
        _ping.Dispose();
        _fd.Dispose();
        Close(_readEnd);
        Close(_writeEnd);
    }

    /// <summary>Timer, generated handler.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("timer")]
    public void TimerGenerated() => _timer.Generated.Dispatch();

    /// <summary>Timer, lambda.</summary>
    [Benchmark, BenchmarkCategory("timer")]
    public void TimerLambda() => _timer.Lambda.Dispatch();

    /// <summary>Timer, hand-written handler struct.</summary>
    [Benchmark, BenchmarkCategory("timer")]
    public void TimerHandWritten() => _timer.Struct.Dispatch();

    /// <summary>Ping, generated handler.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("ping")]
    public void PingGenerated() => _ping.Generated.Dispatch();

    /// <summary>Ping, lambda.</summary>
    [Benchmark, BenchmarkCategory("ping")]
    public void PingLambda() => _ping.Lambda.Dispatch();

    /// <summary>Ping, hand-written handler struct.</summary>
    [Benchmark, BenchmarkCategory("ping")]
    public void PingHandWritten() => _ping.Struct.Dispatch();

    /// <summary>Ready fd, generated handler.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("fd")]
    public void FdGenerated() => _fd.Generated.Dispatch();

    /// <summary>Ready fd, lambda.</summary>
    [Benchmark, BenchmarkCategory("fd")]
    public void FdLambda() => _fd.Lambda.Dispatch();

    /// <summary>Ready fd, hand-written handler struct.</summary>
    [Benchmark, BenchmarkCategory("fd")]
    public void FdHandWritten() => _fd.Struct.Dispatch();

    /// <summary>A loop and its shared data.</summary>
    private sealed class Wired<T> : IDisposable
    {
        public Wired(T data) => Data = data;

        public EventLoop<T> Loop { get; } = new();

        public T Data;

        public void Dispatch() => Loop.Dispatch(TimeSpan.Zero, ref Data);

        public void Dispose() => Loop.Dispose();
    }

    /// <summary>The three loops of one source kind.</summary>
    private sealed class Loops<T> : IDisposable
    {
        public Wired<T> Generated { get; private set; } = null!;

        public Wired<T> Lambda { get; private set; } = null!;

        public Wired<T> Struct { get; private set; } = null!;

        public void Init(Func<T> create)
        {
            Generated = new Wired<T>(create());
            Lambda = new Wired<T>(create());
            Struct = new Wired<T>(create());
        }

        public void ForEach(Action<T> action)
        {
            action(Generated.Data);
            action(Lambda.Data);
            action(Struct.Data);
        }

        public void Dispose()
        {
            Generated.Dispose();
            Lambda.Dispose();
            Struct.Dispose();
        }
    }

    private readonly struct TickHandler : IEventHandler<Instant, Unit, TimerApp, TimeoutAction>
    {
        public TimeoutAction Invoke(Instant @event, ref Unit metadata, ref TimerApp data) => data.OnTick(@event);
    }

    private readonly struct PingHandler : IEventHandler<Unit, Unit, PingApp, Unit>
    {
        public Unit Invoke(Unit @event, ref Unit metadata, ref PingApp data)
        {
            data.OnPing(@event);
            return default;
        }
    }

    private readonly struct FdHandler : IEventHandler<Readiness, FileDescriptor, FdApp, PostAction>
    {
        public PostAction Invoke(Readiness @event, ref FileDescriptor metadata, ref FdApp data) => data.OnReady(@event);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "pipe2")]
    private static extern int Pipe2(int* fds, int flags);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "write")]
    private static extern nint Write(int fd, byte* buffer, nint count);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}

/// <summary>A timer that fires on every dispatch.</summary>
public sealed partial class TimerApp
{
    /// <summary>The timer.</summary>
    public TimerSource Tick { get; } = TimerSource.Immediate();

    /// <summary>Events handled.</summary>
    public long Count;

    /// <summary>Counts and re-arms the timer for now.</summary>
    [OnEvent(nameof(Tick))]
    internal TimeoutAction OnTick(Instant deadline)
    {
        Count++;
        return TimeoutAction.ToDuration(TimeSpan.Zero);
    }
}

/// <summary>A ping its handler sends again.</summary>
public sealed partial class PingApp
{
    /// <summary>Creates the ping.</summary>
    public PingApp() => (Ping, Source) = Calloop.Ping.Create();

    /// <summary>The sending end.</summary>
    public Ping Ping { get; }

    /// <summary>The source.</summary>
    public PingSource Source { get; }

    /// <summary>Events handled.</summary>
    public long Count;

    /// <summary>Counts and sends the ping again.</summary>
    [OnEvent(nameof(Source))]
    internal void OnPing(Unit ping)
    {
        Count++;
        Ping.Send();
    }
}

/// <summary>A pipe that holds one byte and is never drained: ready on every dispatch.</summary>
public sealed partial class FdApp
{
    /// <summary>Watches <paramref name="readEnd"/>.</summary>
    public FdApp(int readEnd) => Pipe = Generic.From(new FileDescriptor(readEnd), Interest.Readable, Mode.Level);

    /// <summary>The source.</summary>
    public Generic<FileDescriptor> Pipe { get; }

    /// <summary>Events handled.</summary>
    public long Count;

    /// <summary>Counts.</summary>
    [OnEvent(nameof(Pipe))]
    internal PostAction OnReady(Readiness readiness)
    {
        Count++;
        return PostAction.Continue;
    }
}
