using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Calloop.Tests.Support;

/// <summary>What another thread can see of a loop's thread: whether it is blocked in the loop's wait.</summary>
internal static partial class LoopThread
{
    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    /// <summary>The system calls a loop blocks in: epoll_wait, epoll_pwait, epoll_pwait2, poll, ppoll and io_uring_enter.</summary>
    private static readonly int[] WaitSyscalls = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => [232, 281, 441, 7, 271, 426],
        Architecture.Arm64 => [22, 441, 73, 426],
        _ => [],
    };

    /// <summary>The kernel's id of the calling thread.</summary>
    internal static int CurrentTid() => GetTid();

    /// <summary>True while thread <paramref name="tid"/> of this process is blocked in one of the loop's wait system calls.</summary>
    internal static bool IsBlockedInWait(int tid)
    {
        // "running", or the number of the system call the thread is blocked in, followed by its arguments.
        string text = File.ReadAllText($"/proc/self/task/{tid}/syscall");
        int end = text.IndexOf(' ');
        // Where the numbers are not listed here, any system call will do.
        return end > 0 && int.TryParse(text.AsSpan(0, end), out int nr) && (WaitSyscalls.Length == 0 || Array.IndexOf(WaitSyscalls, nr) >= 0);
    }
}
