using System;
using System.Collections.Generic;
using System.Diagnostics;
using Calloop.Interop;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

public class ChildExitSourceTests
{
    private static List<ChildExit> RunUntilRemoved(ChildExitSource source)
    {
        using var loop = new EventLoop<List<ChildExit>>();
        loop.Handle.InsertSource(source, (exit, ref _, ref seen) => seen.Add(exit));
        var seen = new List<ChildExit>();
        var watch = Stopwatch.StartNew();
        while (loop.Handle.SourceCount > 0 && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            loop.Dispatch(TimeSpan.FromSeconds(1), ref seen);
        }
        Assert.That(loop.Handle.SourceCount, Is.Zero, "the source removed itself after the exit");
        return seen;
    }

    [Test]
    public void ARawChildExitingWith3Reports3()
    {
        int pid = Spawn.Start("sh", "-c", "exit 3");
        List<ChildExit> seen = RunUntilRemoved(ChildExitSource.ForPid(pid));
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(seen[0].Pid, Is.EqualTo(pid));
        Assert.That(seen[0].ExitCode, Is.EqualTo(3));
        Assert.That(seen[0].Signal, Is.Null);
    }

    [Test]
    public void ARawChildKilledBySigkillReportsTheSignal()
    {
        int pid = Spawn.Start("sleep", "30");
        var source = ChildExitSource.ForPid(pid);
        Assert.That(ProcessCalls.Kill(pid, ProcessCalls.SIGKILL), Is.Zero);
        List<ChildExit> seen = RunUntilRemoved(source);
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(seen[0].Signal, Is.EqualTo(9));
        Assert.That(seen[0].ExitCode, Is.Null);
    }

    [Test]
    public void AProcessStartedChildExitingWith3Reports3()
    {
        using var process = Process.Start(new ProcessStartInfo("sh", ["-c", "exit 3"]))!;
        List<ChildExit> seen = RunUntilRemoved(ChildExitSource.ForProcess(process));
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(seen[0].Pid, Is.EqualTo(process.Id));
        Assert.That(seen[0].ExitCode, Is.EqualTo(3));
    }

    [Test]
    public void AProcessStartedChildKilledBySigkillReportsDotNetsExitCode()
    {
        using var process = Process.Start(new ProcessStartInfo("sleep", ["30"]))!;
        var source = ChildExitSource.ForProcess(process);
        process.Kill();
        List<ChildExit> seen = RunUntilRemoved(source);
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(seen[0].ExitCode, Is.EqualTo(128 + 9));
    }

    [Test]
    public void AProcessThatAlreadyExitedIsReportedAtOnce()
    {
        using var process = Process.Start(new ProcessStartInfo("sh", ["-c", "exit 5"]))!;
        process.WaitForExit();
        List<ChildExit> seen = RunUntilRemoved(ChildExitSource.ForProcess(process));
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(seen[0].ExitCode, Is.EqualTo(5));
    }

    [Test]
    public void NoSuchProcessIsAClearError()
    {
        // A pid above the kernel's maximum (2^22) never names a process.
        var e = Assert.Throws<CalloopException>(() => ChildExitSource.ForPid(1 << 23));
        Assert.That(e!.Message, Does.Contain("pidfd_open").And.Contain("No such process"));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChildExitSource.ForPid(0));
    }

    [Test]
    public void ChildSourcesLeakNoDescriptors()
    {
        int before = Fds.OpenCountBefore();
        for (int i = 0; i < 5; i++)
        {
            int pid = Spawn.Start("sh", "-c", "exit 0");
            RunUntilRemoved(ChildExitSource.ForPid(pid));
            int other = Spawn.Start("sh", "-c", "exit 0");
            ChildExitSource.ForPid(other).Dispose();
            Spawn.Reap(other);
        }
        Assert.That(Fds.OpenCount(), Is.EqualTo(before));
    }

    [Test]
    public void AChildReapedByAnotherPartOfTheProcessIsReportedWithAnUnknownStatus()
    {
        int pid = Spawn.Start("sh", "-c", "exit 4");
        var source = ChildExitSource.ForPid(pid);
        Assert.That(source.Pid, Is.EqualTo(pid));
        Spawn.Reap(pid); // someone else's waitpid takes the status first
        List<ChildExit> seen = RunUntilRemoved(source);
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(seen[0].Pid, Is.EqualTo(pid));
        Assert.That(seen[0].IsStatusUnknown, Is.True);
        Assert.That(seen[0].ExitCode, Is.Null);
        Assert.That(seen[0].Signal, Is.Null);
        Assert.That(seen[0].ToString(), Is.EqualTo($"pid {pid} ended (status unknown)"));
    }

    [Test]
    public void AChildExitPrintsHowTheChildEnded()
    {
        int exited = Spawn.Start("sh", "-c", "exit 3");
        ChildExit code = RunUntilRemoved(ChildExitSource.ForPid(exited))[0];
        Assert.That(code.ToString(), Is.EqualTo($"pid {exited} exited with 3"));
        Assert.That(code.IsStatusUnknown, Is.False);

        int killed = Spawn.Start("sleep", "30");
        var source = ChildExitSource.ForPid(killed);
        Assert.That(ProcessCalls.Kill(killed, ProcessCalls.SIGKILL), Is.Zero);
        ChildExit signal = RunUntilRemoved(source)[0];
        Assert.That(signal.ToString(), Is.EqualTo($"pid {killed} killed by signal 9"));
        Assert.That(signal.IsStatusUnknown, Is.False);
    }

    [Test]
    public void AnUpdatedSourceStillReportsTheExit()
    {
        int pid = Spawn.Start("sleep", "30");
        using var loop = new EventLoop<List<ChildExit>>();
        RegistrationToken token = loop.Handle.InsertSource(ChildExitSource.ForPid(pid), (exit, ref _, ref seen) => seen.Add(exit));
        var seen = new List<ChildExit>();
        loop.Dispatch(TimeSpan.Zero, ref seen);
        Assert.That(seen, Is.Empty, "still running");

        loop.Handle.Update(token);
        Assert.That(ProcessCalls.Kill(pid, ProcessCalls.SIGKILL), Is.Zero);
        Waits.DispatchUntil(loop, ref seen, () => seen.Count == 1, TimeSpan.FromSeconds(30), "the exit after Update");
        Assert.That(seen[0].Signal, Is.EqualTo(9));
        Assert.That(loop.Handle.SourceCount, Is.Zero, "the source removed itself");
    }

    [Test]
    public void UpdatingADisposedSourceIsRefused()
    {
        int pid = Spawn.Start("sleep", "30");
        using var loop = new EventLoop<int>();
        var source = ChildExitSource.ForPid(pid);
        RegistrationToken token = loop.Handle.InsertSource(source, (_, ref _, ref _) => { });
        source.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loop.Handle.Update(token));
        Assert.That(ProcessCalls.Kill(pid, ProcessCalls.SIGKILL), Is.Zero);
        Spawn.Reap(pid);
    }

    [Test]
    public void DisposingTwiceClosesNoDescriptorReusedInBetween()
    {
        int pid = Spawn.Start("sh", "-c", "exit 0");
        var source = ChildExitSource.ForPid(pid);
        source.Dispose();
        var (r, w) = Fds.Pipe(); // takes the lowest free numbers: those the first Dispose closed
        using (r)
        using (w)
        {
            source.Dispose();
            Assert.That(Fds.Write(w, "x"u8), Is.EqualTo(1), "the second Dispose closed nothing of someone else's");
            Assert.That(Fds.Read(r, new byte[1]), Is.EqualTo(1));
        }
        Spawn.Reap(pid);
    }
}
