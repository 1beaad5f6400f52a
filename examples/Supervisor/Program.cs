// A small supervisor on one event loop:
//  - worker threads send their results through a channel; the loop prints them as they come;
//  - a child process is supervised: each time it exits the loop reports how and restarts it, twice;
//  - Ctrl-C (SIGINT) or SIGTERM stops everything gracefully: workers are told to stop, the child is sent SIGTERM,
//    and the loop ends once the channel is closed and the child's exit has been reported.
// Left alone it ends by itself after a few seconds.
//
// A terminal's Ctrl-C sends SIGINT to the whole foreground process group, the child included. Stopping the child is
// the supervisor's job, so the child ignores SIGINT (an ignored signal stays ignored across exec), and the signal
// source goes in first, before anything else can run: a Ctrl-C at any moment is handled by the loop.
using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using Calloop;

if (!OperatingSystem.IsLinux())
{
    // ChildExitSource watches the child through a pidfd, a Linux feature.
    Console.Error.WriteLine("supervisor: this example needs Linux (it watches its child with ChildExitSource)");
    return 1;
}

const int Workers = 3;
const int ResultsPerWorker = 5;
const int ChildRuns = 3;

using var loop = new EventLoop<Supervisor>();
LoopHandle<Supervisor> handle = loop.Handle;
var state = new Supervisor(loop.Signal);

// Ctrl-C and SIGTERM: stop gracefully instead of dying (the source suppresses the default action).
handle.InsertSource(new SignalSource(PosixSignal.SIGINT, PosixSignal.SIGTERM), (evt, ref _, ref s) =>
{
    Console.WriteLine($"supervisor: {evt} received, stopping");
    s.BeginShutdown();
});

// Workers: each computes a few results on its own thread and sends them to the loop.
var (sender, results) = Channel.Create<WorkResult>();
handle.InsertSource(results, (evt, ref _, ref s) =>
{
    if (evt.IsClosed)
    {
        Console.WriteLine("supervisor: every worker is done");
        s.WorkersDone = true;
        s.StopIfFinished();
        return;
    }
    WorkResult r = evt.Message;
    s.Results++;
    Console.WriteLine($"worker {r.Worker}: item {r.Item} -> {r.Value}");
});
for (int w = 0; w < Workers; w++)
{
    Sender<WorkResult> mine = w == Workers - 1 ? sender : sender.Clone();
    int id = w;
    var thread = new Thread(() => Work(id, mine, state.Cancel.Token)) { IsBackground = true, Name = $"worker {id}" };
    thread.Start();
}

// The supervised child: restarted when it exits, until it has run ChildRuns times or we are stopping.
StartChild(handle, ref state);

// A safety net: whatever happens, stop within ten seconds.
handle.InsertSource(Calloop.TimerSource.FromDuration(TimeSpan.FromSeconds(10)), (_, ref _, ref s) =>
{
    Console.WriteLine("supervisor: time is up, stopping");
    s.BeginShutdown();
    s.Signal.Stop();
    return TimeoutAction.Drop;
});

loop.Run(null, ref state);
Console.WriteLine($"supervisor: done ({state.Results} results, child ran {state.ChildStarts} times)");
return 0;

static void Work(int id, Sender<WorkResult> sender, CancellationToken cancel)
{
    using (sender)
    {
        for (int item = 0; item < ResultsPerWorker && !cancel.IsCancellationRequested; item++)
        {
            // Pretend to work: wait a little (or until cancelled), then send a result.
            if (cancel.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(150 + 50 * id)))
            {
                break;
            }
            long value = 0;
            for (int k = 1; k <= 1000 * (item + 1); k++)
            {
                value += k % (id + 2);
            }
            sender.Send(new WorkResult(id, item, value));
        }
    }
}

static void StartChild(LoopHandle<Supervisor> handle, ref Supervisor s)
{
    // "trap '' INT": the child (and the sleep it runs) ignore the terminal's Ctrl-C; the supervisor stops it.
    var child = Process.Start(new ProcessStartInfo("sh", ["-c", "trap '' INT; sleep 1; exit 7"]))!;
    s.Child = child;
    s.ChildStarts++;
    Console.WriteLine($"supervisor: started child {child.Id} (run {s.ChildStarts})");
    handle.InsertSource(ChildExitSource.ForProcess(child), (exit, ref _, ref s2) =>
    {
        Console.WriteLine($"supervisor: child {exit}");
        s2.Child?.Dispose();
        s2.Child = null;
        if (!s2.ShuttingDown && s2.ChildStarts < ChildRuns)
        {
            StartChild(s2.Handle!, ref s2);
        }
        else
        {
            s2.ChildDone = true;
            s2.StopIfFinished();
        }
    });
    s.Handle = handle;
}

/// <summary>One result of a worker.</summary>
internal readonly record struct WorkResult(int Worker, int Item, long Value);

/// <summary>The loop's shared data.</summary>
internal sealed class Supervisor(LoopSignal signal)
{
    public LoopSignal Signal { get; } = signal;

    public CancellationTokenSource Cancel { get; } = new();

    public LoopHandle<Supervisor>? Handle { get; set; }

    public Process? Child { get; set; }

    public int ChildStarts { get; set; }

    public int Results { get; set; }

    public bool WorkersDone { get; set; }

    public bool ChildDone { get; set; }

    public bool ShuttingDown { get; private set; }

    /// <summary>Tells the workers to stop and asks the child to end; the loop ends when both have finished.</summary>
    public void BeginShutdown()
    {
        if (ShuttingDown)
        {
            return;
        }
        ShuttingDown = true;
        Cancel.Cancel();
        if (Child is { HasExited: false } child)
        {
            // SIGTERM, a request to end (Process.Kill would send SIGKILL); its exit is reported as usual.
            _ = Kill(child.Id, Sigterm);
        }
        StopIfFinished();
    }

    private const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public void StopIfFinished()
    {
        if (WorkersDone && ChildDone)
        {
            Signal.Stop();
        }
    }
}
