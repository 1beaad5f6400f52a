namespace Calloop.Hosting;

/// <summary>Specifies what the host does when a hosted loop's thread ends with an exception.</summary>
public enum LoopCrashBehavior
{
    /// <summary>Logs the exception, sets <see cref="System.Environment.ExitCode"/> to 1 (unless it is already non-zero) and stops the host.</summary>
    StopHost = 0,

    /// <summary>Logs the exception and leaves the host running without the loop.</summary>
    Ignore = 1,
}
