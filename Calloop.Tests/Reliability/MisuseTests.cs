using System;
using System.Runtime.InteropServices;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

public unsafe partial class MisuseTests
{
    [Test]
    public void AnFdNumberReusedAfterCloseDoesNotLoseTheNewSourcesRegistration()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var _b = b;
        int fd = Fds.FdOf(a);
        RegistrationToken old = loop.Handle.InsertSource(Generic.From(new FileDescriptor(fd), Interest.Readable, Mode.Level), (_, ref _, ref n) =>
        {
            n += 1000;
            return PostAction.Continue;
        });
        // Close the descriptor under the source, and get the same number for a new pipe.
        a.Dispose();
        var (pipeRead, write) = Fds.Pipe();
        using var _w = write;
        OwnedFd read = pipeRead;
        if (Fds.FdOf(pipeRead) != fd)
        {
            Assert.That(Dup2(Fds.FdOf(pipeRead), fd), Is.EqualTo(fd));
            pipeRead.Dispose();
            read = new OwnedFd(fd);
        }
        loop.Handle.InsertSource(Generic.From(read, Interest.Readable, Mode.Level), (_, ref r, ref n) =>
        {
            n += Fds.Drain(r);
            return PostAction.Continue;
        });
        loop.Handle.Remove(old);

        Fds.Write(write, "xy"u8);
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(2), "removing the old source must not unregister the new one");
    }

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);

    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, RLimit* limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, RLimit* limit);

    [Test]
    public void RunningOutOfDescriptorsGivesEmfileAndTheLoopStaysUsable()
    {
        const int RLIMIT_NOFILE = 7;
        RLimit saved;
        Assert.That(GetRLimit(RLIMIT_NOFILE, &saved), Is.Zero);
        using var loop = new EventLoop<int>();
        var pings = new System.Collections.Generic.List<Ping>();
        CalloopException? caught = null;
        RLimit low = saved;
        low.Current = (ulong)Fds.OpenCount() + 16;
        Assert.That(SetRLimit(RLIMIT_NOFILE, &low), Is.Zero);
        try
        {
            for (int i = 0; i < 64 && caught is null; i++)
            {
                try
                {
                    var (ping, source) = Ping.Create();
                    pings.Add(ping);
                    loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
                }
                catch (CalloopException e)
                {
                    caught = e;
                }
            }
        }
        finally
        {
            Assert.That(SetRLimit(RLIMIT_NOFILE, &saved), Is.Zero);
        }
        Assert.That(caught, Is.Not.Null);
        Assert.That(caught!.Errno, Is.EqualTo(24));
        Assert.That(caught.Message, Does.Contain("EMFILE").And.Contain("eventfd"));

        pings[0].Send();
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        foreach (Ping p in pings)
        {
            p.Dispose();
        }
    }
}
