using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

/// <summary>
/// A descriptor closed while registered, while a duplicate keeps its file open: the kernel keeps reporting it, and no
/// unregistration can reach it any more. The loop must notice, stop it, say so once, and keep its live sources.
/// </summary>
public partial class ClosedBehindTheLoopTests
{
    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);

    [Test]
    public void ALeakedRegistrationDoesNotMakeTheLoopSpin([Values(Backend.Epoll, Backend.Poll, Backend.IoUring)] Backend backend)
    {
        using var loop = new EventLoop<int>(new EventLoopOptions { Backend = backend == Backend.IoUring ? Backends.IoUringTests.Available : backend });
        var reports = new List<LoopExceptionEventArgs>();
        loop.UnhandledException += (_, e) => reports.Add(e);

        // A live source that must keep working throughout.
        var (liveRead, liveWrite) = Fds.Pipe();
        using var _lw = liveWrite;
        loop.Handle.InsertSource(Generic.From(liveRead, Interest.Readable, Mode.Level), (_, ref r, ref n) =>
        {
            n += Fds.Drain(r);
            return PostAction.Continue;
        });

        var (read, write) = Fds.Pipe();
        using var _w = write;
        int fd = Fds.FdOf(read);
        RegistrationToken token = loop.Handle.InsertSource(
            Generic.From(new FileDescriptor(fd), Interest.Readable, Mode.Level), (_, ref _, ref _) => PostAction.Continue);
        int dup = Dup(fd);
        Assert.That(dup, Is.GreaterThanOrEqualTo(0));
        try
        {
            read.Dispose(); // closes the registered number; the duplicate keeps the pipe's read end open
            Fds.Write(write, "x"u8);
            loop.Handle.Remove(token);

            int returns = 0;
            int data = 0;
            var clock = Stopwatch.StartNew();
            while (clock.ElapsedMilliseconds < 300)
            {
                loop.Dispatch(TimeSpan.FromMilliseconds(100), ref data);
                returns++;
                Assert.That(returns, Is.LessThan(1000), "the loop spins on an event that belongs to no source");
            }
            Assert.That(returns, Is.LessThanOrEqualTo(10), "an idle loop with a 100 ms timeout returns a handful of times in 300 ms");
            if (backend == Backend.Epoll)
            {
                Assert.That(reports, Has.Count.EqualTo(1), "the leaked registration is reported once");
                Assert.That(reports[0].Exception, Is.InstanceOf<CalloopException>());
                Assert.That(reports[0].Exception.Message, Does.Contain("closed while registered"));
                Assert.That(reports[0].Source, Is.Null);
            }
            else if (backend == Backend.IoUring)
            {
                Assert.That(reports, Is.Empty, "io_uring's poll request holds the file, so removing the source cancels it by its key");
            }
            else
            {
                Assert.That(reports, Is.Empty, "poll(2) forgets the descriptor when the source is removed");
            }

            // Every live source still works, and so does the loop's wake-up.
            Fds.Write(liveWrite, "abc"u8);
            data = 0;
            loop.Dispatch(TimeSpan.FromSeconds(5), ref data);
            Assert.That(data, Is.EqualTo(3));
            var (ping, pingSource) = Ping.Create();
            using var _p = ping;
            loop.Handle.InsertSource(pingSource, (_, ref _, ref n) => n += 100);
            ping.Send();
            data = 0;
            loop.Dispatch(TimeSpan.FromSeconds(5), ref data);
            Assert.That(data, Is.EqualTo(100));
        }
        finally
        {
            Fds.Close(dup);
        }
    }

    [Test]
    public void TheRebuiltPollerKeepsEveryRegistrationsInterestAndTheLoopsDescriptor()
    {
        using var loop = new EventLoop<int>();
        int loopFd = loop.PollFd;
        var reports = 0;
        loop.UnhandledException += (_, _) => reports++;

        // A socket registered for writing only, and one registered for reading only.
        var (a, b) = Fds.SocketPair();
        using var _b = b;
        int writableEvents = 0;
        RegistrationToken writer = loop.Handle.InsertSource(Generic.From(a, Interest.Writable, Mode.Level), (r, ref _, ref n) =>
        {
            writableEvents++;
            return PostAction.Disable;
        });

        var (read, write) = Fds.Pipe();
        using var _w = write;
        int fd = Fds.FdOf(read);
        RegistrationToken leaked = loop.Handle.InsertSource(
            Generic.From(new FileDescriptor(fd), Interest.Readable, Mode.Level), (_, ref _, ref _) => PostAction.Continue);
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(writableEvents, Is.EqualTo(1));
        int dup = Dup(fd);
        try
        {
            read.Dispose();
            Fds.Write(write, "x"u8);
            loop.Handle.Remove(leaked);
            for (int i = 0; i < 3; i++)
            {
                loop.Dispatch(TimeSpan.FromMilliseconds(20), ref data);
            }
            Assert.That(reports, Is.EqualTo(1));
            Assert.That(loop.PollFd, Is.EqualTo(loopFd), "the loop's own descriptor keeps its number");
            Assert.That(writableEvents, Is.EqualTo(1), "the disabled writer stays disabled through the rebuild");
            loop.Handle.Enable(writer);
            loop.Dispatch(TimeSpan.FromSeconds(5), ref data);
            Assert.That(writableEvents, Is.EqualTo(2), "the writer, enabled again, is reported writable");
        }
        finally
        {
            Fds.Close(dup);
        }
    }

    [TestCase(Backend.Epoll, Mode.Level)]
    [TestCase(Backend.Poll, Mode.Level)]
    [TestCase(Backend.Epoll, Mode.OneShot)]
    [TestCase(Backend.Poll, Mode.OneShot)]
    public void ADescriptorClosedWhileRegisteredIsForgottenAndItsNumberCanBeRegisteredAgain(Backend backend, Mode mode)
    {
        using var loop = new EventLoop<int>(new EventLoopOptions { Backend = backend });
        var (a, b) = Fds.SocketPair();
        using var _b = b;
        int fd = Fds.FdOf(a);
        int errors = 0;
        RegistrationToken old = loop.Handle.InsertSource(Generic.From(new FileDescriptor(fd), Interest.Readable, mode), (r, ref _, ref _) =>
        {
            errors++;
            return PostAction.Continue;
        });
        int data = 0;
        if (mode == Mode.OneShot)
        {
            // Fire the one-shot registration first, so that it is disarmed when the descriptor is closed.
            Fds.Write(b, "x"u8);
            loop.Dispatch(TimeSpan.Zero, ref data);
            Assert.That(errors, Is.EqualTo(1));
            errors = 0;
        }
        a.Dispose();
        for (int i = 0; i < 5; i++)
        {
            loop.Dispatch(TimeSpan.Zero, ref data);
        }
        Assert.That(errors, Is.LessThanOrEqualTo(1), "a closed descriptor is reported at most once");

        var (pipeRead, write) = Fds.Pipe();
        using var _w = write;
        OwnedFd read = pipeRead;
        if (Fds.FdOf(pipeRead) != fd)
        {
            // Give the pipe the closed descriptor's number, as the kernel would when it is the lowest free one.
            Assert.That(Dup2(Fds.FdOf(pipeRead), fd), Is.EqualTo(fd));
            pipeRead.Dispose();
            read = new OwnedFd(fd);
        }
        using var _r = read;
        int reads = 0;
        var newcomer = Generic.From(new FileDescriptor(fd), Interest.Readable, Mode.Level);
        loop.Handle.InsertSource(newcomer, (_, ref f, ref n) =>
        {
            reads++;
            return PostAction.Continue;
        });
        loop.Handle.Remove(old);
        Fds.Write(write, "x"u8);
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(reads, Is.EqualTo(1));
    }
}
