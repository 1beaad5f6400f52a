using System.Runtime.Versioning;
using System;
using System.Runtime.InteropServices;
using Calloop.Interop;
using Calloop.Polling;
using Calloop.Sources;
using DiagnosticsProcess = System.Diagnostics.Process;

namespace Calloop;

/// <summary>
/// A one-shot event source reporting the exit of a child process through a pidfd (Linux 5.3+): the pidfd becomes
/// readable when the child ends, the source delivers one <see cref="ChildExit"/> and removes itself. Linux only:
/// elsewhere both factories throw <see cref="PlatformNotSupportedException"/>.
/// </summary>
/// <remarks>
/// <para>Two ways to get the exit status, because the .NET runtime reaps the children it starts:</para>
/// <para><see cref="ForProcess"/>, for a child started with <see cref="DiagnosticsProcess"/>: the runtime's own
/// SIGCHLD handling reaps it, so the source never calls waitid; once the pidfd is readable it waits for the runtime
/// to record the exit (a moment) and reports <see cref="DiagnosticsProcess.ExitCode"/> (128 + N for a signal N).</para>
/// <para><see cref="ForPid"/>, for a child started any other way (posix_spawn, fork in native code): the source
/// reaps it with <c>waitid(P_PIDFD)</c> (or <c>waitid(P_PID)</c> on kernels before 5.4) and reports the exact exit
/// code or terminating signal. The runtime does not reap children it did not start. If something else reaps the
/// child first, the event says <see cref="ChildExit.IsStatusUnknown"/>.</para>
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class ChildExitSource : IEventSource<ChildExit, Unit, Unit>, IDisposable
{
    private readonly FdHandle? _pidfd;
    private readonly int _pid;
    private readonly DiagnosticsProcess? _process;
    private readonly FdHandle? _ready;
    private FdRegistration _registration;
    private bool _delivered;
    private bool _disposed;

    private ChildExitSource(int pid, FdHandle? pidfd, DiagnosticsProcess? process, FdHandle? ready)
    {
        _pid = pid;
        _pidfd = pidfd;
        _process = process;
        _ready = ready;
    }

    /// <summary>The child's process id.</summary>
    public int Pid => _pid;

    /// <summary>Watches a child of this process that was not started with <see cref="DiagnosticsProcess"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pid"/> is not positive.</exception>
    /// <exception cref="CalloopException">pidfd_open failed: ESRCH (no such process), ENOSYS (kernel before 5.3), ...</exception>
    /// <exception cref="PlatformNotSupportedException">Not Linux (pidfds are a Linux feature).</exception>
    public static ChildExitSource ForPid(int pid)
    {
        LinuxOnly.Check("ChildExitSource (pidfd_open(2))");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        return new ChildExitSource(pid, OpenPidFd(pid), null, null);
    }

    /// <summary>Watches a child started with <see cref="DiagnosticsProcess"/> (one that already exited is reported at the first dispatch).</summary>
    /// <exception cref="InvalidOperationException">The process was not started (it has no id).</exception>
    /// <exception cref="CalloopException">pidfd_open failed: ENOSYS (kernel before 5.3), EMFILE, ...</exception>
    /// <exception cref="PlatformNotSupportedException">Not Linux (pidfds are a Linux feature).</exception>
    public static ChildExitSource ForProcess(DiagnosticsProcess process)
    {
        LinuxOnly.Check("ChildExitSource (pidfd_open(2))", "Use Process.WaitForExitAsync and a Channel or Ping to reach the loop.");
        ArgumentNullException.ThrowIfNull(process);
        int pid = process.Id;
        FdHandle? pidfd = null;
        try
        {
            pidfd = OpenPidFd(pid);
        }
        catch (CalloopException e) when (e.Errno == ProcessCalls.ESRCH)
        {
            // Already exited and reaped by the runtime: report it at once.
        }
        if (pidfd is not null && process.HasExited)
        {
            // Exited meanwhile: the pid may already name another process; do not trust the pidfd.
            pidfd.Dispose();
            pidfd = null;
        }
        FdHandle? ready = null;
        if (pidfd is null)
        {
            ready = EventFd.CreateHandle("eventfd (child exit)");
            Libc.WriteCounter(ready.Fd, 1, "write (child exit eventfd)");
        }
        return new ChildExitSource(pid, pidfd, process, ready);
    }

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.Register(poll, ref tokenFactory, Fd);
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.Reregister(poll, ref tokenFactory, Fd);
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        _registration.Unregister(poll, Fd);
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<ChildExit, Unit, Unit>, allows ref struct
    {
        if (!_registration.Owns(token))
        {
            return PostAction.Continue;
        }
        if (_delivered)
        {
            return PostAction.Remove;
        }
        ChildExit exit;
        if (_process is not null)
        {
            // The runtime reaps this child; wait (briefly: the child has already ended) until it has.
            _process.WaitForExit(-1);
            exit = new ChildExit(_pid, _process.ExitCode, null);
        }
        else if (!TryReap(out exit))
        {
            return PostAction.Continue;
        }
        _delivered = true;
        Unit metadata = default;
        callback.Invoke(exit, ref metadata);
        return PostAction.Remove;
    }

    /// <summary>Closes the pidfd. Harmless when repeated; a child not yet reaped stays a zombie until someone waits for it.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _pidfd?.Dispose();
            _ready?.Dispose();
        }
    }

    private int Fd => (_pidfd ?? _ready!).Fd;

    private static FdHandle OpenPidFd(int pid)
    {
        long fd = ProcessCalls.Syscall2(ProcessCalls.SYS_pidfd_open, pid, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.ENOSYS)
            {
                throw new CalloopException(
                    $"pidfd_open({pid}) failed: ENOSYS: this kernel has no pidfd support (Linux 5.3 or newer is needed to watch child processes).",
                    new CalloopException("pidfd_open", null, errno));
            }
            throw CalloopException.FromErrno($"pidfd_open({pid})", null, errno);
        }
        return new FdHandle((int)fd);
    }

    /// <summary>Reaps the child; false when it has not ended yet.</summary>
    private unsafe bool TryReap(out ChildExit exit)
    {
        ProcessCalls.SigInfo info = default;
        int rc;
        int errno = 0;
        do
        {
            rc = ProcessCalls.WaitId(ProcessCalls.P_PIDFD, _pidfd!.Fd, &info, ProcessCalls.WEXITED | ProcessCalls.WNOHANG);
            if (rc < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINVAL)
                {
                    // Before Linux 5.4 waitid has no P_PIDFD; the pidfd still pins the pid, so P_PID is safe.
                    rc = ProcessCalls.WaitId(ProcessCalls.P_PID, _pid, &info, ProcessCalls.WEXITED | ProcessCalls.WNOHANG);
                    errno = rc < 0 ? Marshal.GetLastPInvokeError() : 0;
                }
            }
        }
        while (rc < 0 && errno == Libc.EINTR);
        if (rc < 0)
        {
            if (errno == ProcessCalls.ECHILD)
            {
                exit = new ChildExit(_pid, null, null);
                return true;
            }
            throw CalloopException.FromErrno($"waitid(pid {_pid})", _pidfd.Fd, errno);
        }
        if (info.Pid == 0)
        {
            exit = default;
            return false;
        }
        exit = info.Code == ProcessCalls.CLD_EXITED
            ? new ChildExit(_pid, info.Status, null)
            : new ChildExit(_pid, null, info.Status);
        return true;
    }
}
