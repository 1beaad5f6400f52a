using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

/// <summary>Signals interrupting the loop's wait (EINTR) neither end a dispatch early nor throw.</summary>
public partial class InterruptTests
{
    private const int SIGWINCH = 28;
    private const int SIGCHLD = 17;
    private const int Interruptions = 20;

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "getpid")]
    private static partial int GetPid();

    [LibraryImport("libc", EntryPoint = "tgkill", SetLastError = true)]
    private static partial int TgKill(int tgid, int tid, int sig);

    /// <summary>The system calls a loop blocks in: epoll_wait, epoll_pwait, epoll_pwait2, poll and ppoll.</summary>
    private static readonly int[] WaitSyscalls = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => [232, 281, 441, 7, 271],
        Architecture.Arm64 => [22, 441, 73],
        _ => [],
    };

    /// <summary>True while thread <paramref name="tid"/> is blocked in one of <see cref="WaitSyscalls"/>.</summary>
    private static bool IsBlockedInWait(int tid)
    {
        // "running", or the number of the system call the thread is blocked in, followed by its arguments.
        string text = File.ReadAllText($"/proc/self/task/{tid}/syscall");
        int end = text.IndexOf(' ');
        // Where the numbers are not listed here, any system call will do.
        return end > 0 && int.TryParse(text.AsSpan(0, end), out int nr) && (WaitSyscalls.Length == 0 || Array.IndexOf(WaitSyscalls, nr) >= 0);
    }

    [TestCase(Backend.Epoll, SIGWINCH)]
    [TestCase(Backend.Epoll, SIGCHLD)]
    [TestCase(Backend.Poll, SIGCHLD)]
    public void SignalsDuringTheWaitDoNotEndItEarly(Backend backend, int signal)
    {
        using var loop = new EventLoop<int>(new EventLoopOptions { Backend = backend });
        var (ping, source) = Ping.Create();
        using var _ = ping;
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        int pid = GetPid();
        int tid = GetTid();
        int sentWhileBlocked = 0;
        string? failure = null;
        Thread killer = Waits.Start(() =>
        {
            // Interrupt the loop thread's wait over and over, each time only once it is (back) in the wait; only then
            // wake it for real. A dispatch that ended at an interruption leaves the thread out of its wait.
            for (int k = 0; k < Interruptions && failure is null; k++)
            {
                if (!SpinWait.SpinUntil(() => IsBlockedInWait(tid), TimeSpan.FromSeconds(10)))
                {
                    failure = $"the loop thread was not blocked in its wait before interruption {k}";
                }
                else if (TgKill(pid, tid, signal) != 0)
                {
                    failure = $"tgkill failed: errno {Marshal.GetLastPInvokeError()}";
                }
                else
                {
                    sentWhileBlocked++;
                }
            }
            ping.Send();
        });
        int calls = 0;
        loop.Dispatch(Waits.Patience * 2, ref calls);
        Waits.Join(killer, "the signalling thread ended");
        Assert.That(failure, Is.Null);
        Assert.That(sentWhileBlocked, Is.EqualTo(Interruptions), "every signal was sent while the loop was blocked in its wait");
        Assert.That(calls, Is.EqualTo(1), "Dispatch returns for the ping, not for the signals");
    }
}
