using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>Process and signal declarations: kill(2), getpid(2), pidfd_open(2), waitid(2).</summary>
internal static unsafe partial class ProcessCalls
{
    internal const int SIGKILL = 9;
    internal const int SIGSTOP = 19;

    /// <summary>pidfd_open's syscall number; the same on every Linux architecture since 5.3.</summary>
    internal const long SYS_pidfd_open = 434;

    internal const int P_PID = 1;
    internal const int P_PIDFD = 3;

    internal const int WEXITED = 4;
    internal const int WNOHANG = 1;

    internal const int CLD_EXITED = 1;
    internal const int CLD_KILLED = 2;
    internal const int CLD_DUMPED = 3;

    internal const int ECHILD = 10;
    internal const int ESRCH = 3;

    [LibraryImport(Libc.Name, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    [LibraryImport(Libc.Name, EntryPoint = "getpid")]
    internal static partial int GetPid();

    [LibraryImport(Libc.Name, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall2(long number, long arg1, long arg2);

    [LibraryImport(Libc.Name, EntryPoint = "waitid", SetLastError = true)]
    internal static partial int WaitId(int idType, int id, SigInfo* info, int options);

    /// <summary>
    /// The part of <c>siginfo_t</c> that waitid fills for a child (128 bytes in all): signo, errno, code, then
    /// (after padding to 8 bytes on 64-bit) pid, uid and status.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct SigInfo
    {
        [FieldOffset(0)]
        internal int Signo;

        [FieldOffset(4)]
        internal int Errno;

        [FieldOffset(8)]
        internal int Code;

        [FieldOffset(16)]
        internal int Pid;

        [FieldOffset(20)]
        internal int Uid;

        [FieldOffset(24)]
        internal int Status;
    }
}
