using System;
using System.Threading;
using Calloop.Interop;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Platform;

[TestFixture(NotifierKind.EventFd)]
[TestFixture(NotifierKind.Pipe)]
public unsafe class NotifyFdTests(NotifierKind notifier) : NotifierFixture(notifier)
{
    // More than a Linux pipe holds by default (64 KiB), so the pipe fills and the overflow counter is used.
    private const int MoreThanAPipeHolds = 70_000;

    private static bool IsReadable(int fd, int timeoutMs)
    {
        var pfd = new PollSys.PollFd { Fd = fd, Events = PollSys.POLLIN };
        Timespec ts = Timespec.FromNanoseconds(timeoutMs * 1_000_000L);
        int n = PollSys.PPoll(&pfd, 1, &ts, null);
        // One descriptor: ppoll reports it ready (1) or times out (0); anything else is an error.
        Assert.That(n, Is.EqualTo(0).Or.EqualTo(1), "ppoll");
        return n == 1 && (pfd.REvents & PollSys.POLLIN) != 0;
    }

    [Test]
    public void TheImplementationIsTheOneSelected()
    {
        using var fd = new NotifyFd("test");
        Assert.That(fd.IsPipe, Is.EqualTo(Notifier == NotifierKind.Pipe));
    }

    [Test]
    public void TakeReturnsTheSumOfWhatWasAddedThenZero()
    {
        using var fd = new NotifyFd("test");
        Assert.That(IsReadable(fd.ReadFd, 0), Is.False);
        Assert.That(fd.Take("test"), Is.Zero);
        fd.Add(2, "test");
        fd.Add(2, "test");
        fd.Add(1, "test");
        Assert.That(IsReadable(fd.ReadFd, 0), Is.True);
        Assert.That(fd.Take("test"), Is.EqualTo(5));
        Assert.That(IsReadable(fd.ReadFd, 0), Is.False);
        Assert.That(fd.Take("test"), Is.Zero);
    }

    [Test]
    public void AValueAboveOneByteIsRefusedByEitherImplementation()
    {
        using var fd = new NotifyFd("test");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => fd.Add(256, "write (test)"));
        Assert.That(e!.Message, Does.Contain("write (test)").And.Contain("255"));
        fd.Add(255, "test");
        Assert.That(fd.Take("test"), Is.EqualTo(255));
    }

    [Test]
    public void AFullDescriptorLosesNothing()
    {
        using var fd = new NotifyFd("test");
        for (int i = 0; i < MoreThanAPipeHolds; i++)
        {
            fd.Add(2, "test");
        }
        fd.Add(1, "test");
        Assert.That(IsReadable(fd.ReadFd, 0), Is.True);
        if (fd.IsPipe)
        {
            Assert.That(fd.PendingOverflow, Is.Positive, "the pipe filled, so the overflow counter was used");
        }
        Assert.That(fd.Take("test"), Is.EqualTo(2UL * MoreThanAPipeHolds + 1));
        Assert.That(fd.PendingOverflow, Is.Zero);
        Assert.That(IsReadable(fd.ReadFd, 0), Is.False);
        Assert.That(fd.Take("test"), Is.Zero);
    }

    [Test]
    public void ConcurrentAddsSumExactlyAndNeverStrandAWakeUp()
    {
        const int threads = 4;
        const int perThread = 30_000;
        const ulong expected = 3UL * threads * perThread;
        using var fd = new NotifyFd("test");
        using var start = new ManualResetEventSlim();
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                start.Wait();
                for (int i = 0; i < perThread; i++)
                {
                    fd.Add(3, "test");
                }
            });
            workers[t].Start();
        }
        start.Set();
        ulong total = 0;
        while (total < expected)
        {
            // Whatever was added and not yet taken keeps the descriptor readable: a lost wake-up fails here.
            Assert.That(IsReadable(fd.ReadFd, 10_000), Is.True, $"stranded at {total} of {expected}");
            total += fd.Take("test");
        }
        foreach (Thread w in workers)
        {
            w.Join();
        }
        Assert.That(total + fd.Take("test"), Is.EqualTo(expected));
    }

    [Test]
    public void AddAfterDisposeIsANoOp()
    {
        var fd = new NotifyFd("test");
        fd.Dispose();
        // A new pipe takes the lowest free descriptor numbers, the ones just closed among them: an Add that wrote to
        // the old number would land in it.
        var (read, write) = Fds.Pipe();
        using var _r = read;
        using var _w = write;
        fd.Add(1, "test");
        Assert.That(IsReadable(read.Fd, 0), Is.False, "nothing was written to a descriptor that reused the number");
        Assert.That(fd.PendingOverflow, Is.Zero);
    }

    [Test]
    public void AddAndTakeAllocateNothing()
    {
        using var fd = new NotifyFd("test");
        long bytes = Alloc.Measure(1000, () =>
        {
            fd.Add(1, "test");
            fd.Take("test");
        });
        Assert.That(bytes, Is.Zero);
    }
}
