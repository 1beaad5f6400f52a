using System;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using Calloop;

namespace GeneratedApp;

/// <summary>
/// The loop's shared data. Its fields hold the sources; the [OnEvent] methods handle them; the generator writes the
/// body of <see cref="InsertSources"/>, which wires each source to its method with a direct call.
/// </summary>
public sealed partial class App : IDisposable
{
    private readonly TimerSource _stopAfter = TimerSource.FromDuration(TimeSpan.FromSeconds(2));
    private readonly TimerSource _progress = TimerSource.FromDuration(TimeSpan.FromMilliseconds(500));
    private readonly PingSource _wakeups;
    private readonly Generic<SafeHandle> _pipe;
    private readonly Heartbeat _heartbeat;
    private readonly AnonymousPipeServerStream _server;
    private readonly byte[] _buffer = new byte[64];

    /// <summary>Creates the sources: timers, a ping, a pipe's read end and a heartbeat composite.</summary>
    public App(LoopSignal signal)
    {
        Signal = signal;
        (Wakeup, _wakeups) = Ping.Create();
        _server = new AnonymousPipeServerStream(PipeDirection.In);
        PipeWriter = new AnonymousPipeClientStream(PipeDirection.Out, _server.ClientSafePipeHandle);
        _pipe = Generic.From<SafeHandle>(_server.SafePipeHandle, Interest.Readable, Mode.Level, leaveOpen: true);
        _heartbeat = new Heartbeat(out Ping extraBeat);
        ExtraBeat = extraBeat;
    }

    /// <summary>Inserts every source into the loop of <paramref name="handle"/>: all of them, or none if one fails.</summary>
    /// <returns>One registration token per source, named after its member (<c>tokens.Pipe</c>).</returns>
    /// <remarks>Declared here, written by the generator (without this declaration it writes a public one itself).</remarks>
    public partial AppSources InsertSources(LoopHandle<App> handle);

    /// <summary>Stops the loop.</summary>
    public LoopSignal Signal { get; }

    /// <summary>
    /// Closes the pipe and the ping handles. The sources themselves belong to the loop once inserted: disposing the
    /// loop disposes them.
    /// </summary>
    public void Dispose()
    {
        PipeWriter.Dispose();
        _server.Dispose();
        Wakeup.Dispose();
        ExtraBeat.Dispose();
    }

    /// <summary>Wakes the loop (from any thread).</summary>
    public Ping Wakeup { get; }

    /// <summary>Asks the heartbeat for a beat out of turn.</summary>
    public Ping ExtraBeat { get; }

    /// <summary>The pipe's write end: bytes written here are read by <see cref="OnPipeReadable"/>.</summary>
    public AnonymousPipeClientStream PipeWriter { get; }

    /// <summary>Events handled so far.</summary>
    public int Events { get; private set; }

    /// <summary>When true, handlers count events without printing (printing allocates strings).</summary>
    public bool Quiet { get; set; }

    private void Log(string message)
    {
        if (!Quiet)
        {
            Console.WriteLine($"[{Events,3}] {message}");
        }
    }

    [OnEvent(nameof(_stopAfter))]
    private TimeoutAction OnStop(Instant deadline)
    {
        Log("two seconds are up: stopping");
        Signal.Stop();
        return TimeoutAction.Drop;
    }

    [OnEvent(nameof(_progress))]
    private TimeoutAction OnProgress(Instant deadline, ref Unit metadata, ref App data)
    {
        data.Events++;
        Log("progress timer: waking the loop and writing to the pipe");
        Wakeup.Send();
        PipeWriter.WriteByte((byte)'x');
        PipeWriter.Flush();
        return TimeoutAction.ToDuration(TimeSpan.FromMilliseconds(500));
    }

    [OnEvent(nameof(_wakeups))]
    private void OnWakeup(Unit _)
    {
        Events++;
        Log("ping: woken; asking the heartbeat for an extra beat");
        ExtraBeat.Send();
    }

    [OnEvent(nameof(_pipe))]
    private PostAction OnPipeReadable(Readiness readiness, ref SafeHandle handle)
    {
        Events++;
        int read = _server.Read(_buffer, 0, _buffer.Length);
        if (!Quiet)
        {
            Log($"pipe readable: read {read} byte(s)");
        }
        return PostAction.Continue;
    }

    [OnEvent(nameof(_heartbeat))]
    private void OnBeat(int beat, ref string cause)
    {
        Events++;
        if (!Quiet)
        {
            Log($"heartbeat {beat} ({cause})");
        }
    }
}
