using System;
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

    [LibraryImport("libc", EntryPoint = "getpid")]
    private static partial int GetPid();

    [LibraryImport("libc", EntryPoint = "tgkill", SetLastError = true)]
    private static partial int TgKill(int tgid, int tid, int sig);

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
        int tid = LoopThread.CurrentTid();
        int sentWhileBlocked = 0;
        string? failure = null;
        Thread killer = Waits.Start(() =>
        {
            // Interrupt the loop thread's wait over and over, each time only once it is (back) in the wait; only then
            // wake it for real. A dispatch that ended at an interruption leaves the thread out of its wait.
            for (int k = 0; k < Interruptions && failure is null; k++)
            {
                if (!SpinWait.SpinUntil(() => LoopThread.IsBlockedInWait(tid), TimeSpan.FromSeconds(10)))
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
