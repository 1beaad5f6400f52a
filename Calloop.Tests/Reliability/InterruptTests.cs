using System;
using System.Runtime.InteropServices;
using System.Threading;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

/// <summary>Signals interrupting the loop's wait (EINTR) neither end a dispatch early nor throw.</summary>
public partial class InterruptTests
{
    private const int SIGWINCH = 28;
    private const int SIGCHLD = 17;

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

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
        int tid = GetTid();
        int sent = 0;
        var killer = new Thread(() =>
        {
            // Interrupt the loop thread's wait over and over; only then wake it for real.
            for (int k = 0; k < 50; k++)
            {
                if (TgKill(pid, tid, signal) == 0)
                {
                    sent++;
                }
                Thread.Sleep(1);
            }
            ping.Send();
        });
        killer.Start();
        int calls = 0;
        loop.Dispatch(null, ref calls);
        killer.Join();
        Assert.That(calls, Is.EqualTo(1), "Dispatch(null) returns for the ping, not for the signals");
        Assert.That(sent, Is.EqualTo(50));
    }
}
