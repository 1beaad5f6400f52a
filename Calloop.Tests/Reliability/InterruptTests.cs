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
        var timer = Timer.FromDuration(TimeSpan.FromMilliseconds(150));
        Instant deadline = timer.Deadline;
        loop.Handle.InsertSource(timer, (_, ref _, ref n) =>
        {
            n++;
            return TimeoutAction.Drop;
        });
        int pid = GetPid();
        int tid = GetTid();
        int sent = 0;
        using var done = new ManualResetEventSlim();
        var killer = new Thread(() =>
        {
            // Interrupt the loop thread's wait over and over until its timer has fired.
            while (!done.Wait(2))
            {
                if (TgKill(pid, tid, signal) == 0)
                {
                    sent++;
                }
            }
        });
        killer.Start();
        int calls = 0;
        try
        {
            loop.Dispatch(null, ref calls);
        }
        finally
        {
            done.Set();
            killer.Join();
        }
        Assert.That(calls, Is.EqualTo(1), "Dispatch(null) returns for the timer, not for the signals");
        Assert.That(Instant.Now, Is.GreaterThanOrEqualTo(deadline));
        Assert.That(sent, Is.GreaterThan(0));
    }
}
