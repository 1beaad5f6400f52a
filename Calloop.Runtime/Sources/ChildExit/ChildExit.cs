namespace Calloop;

/// <summary>How a child process ended, as reported by a <see cref="ChildExitSource"/>.</summary>
public readonly struct ChildExit
{
    internal ChildExit(int pid, int? exitCode, int? signal)
    {
        Pid = pid;
        ExitCode = exitCode;
        Signal = signal;
    }

    /// <summary>The child's process id.</summary>
    public int Pid { get; }

    /// <summary>
    /// The exit code when the child exited normally. For a child started with <see cref="System.Diagnostics.Process"/>
    /// this is <see cref="System.Diagnostics.Process.ExitCode"/>, which is 128 + N for a child killed by signal N.
    /// Null when the child was killed by a signal (raw pid) or its status could not be read.
    /// </summary>
    public int? ExitCode { get; }

    /// <summary>The signal that killed the child (raw pids only; see <see cref="ExitCode"/> for .NET processes).</summary>
    public int? Signal { get; }

    /// <summary>True when the status was lost: another part of the process reaped the child first.</summary>
    public bool IsStatusUnknown => ExitCode is null && Signal is null;

    /// <inheritdoc/>
    public override string ToString() =>
        Signal is int s ? $"pid {Pid} killed by signal {s}" : ExitCode is int c ? $"pid {Pid} exited with {c}" : $"pid {Pid} ended (status unknown)";
}
