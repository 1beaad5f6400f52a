using System;
using System.IO;
using System.Threading;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

/// <summary>Inputs that would reach native code meaningless are refused with an exception that names them.</summary>
public class ArgumentTests
{
    [Test]
    public void AHugeMaxEventsPerWaitIsOutOfRangeNotOutOfMemory()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoop<int>(new EventLoopOptions { MaxEventsPerWait = int.MaxValue }));
        Assert.That(e!.ParamName, Does.Contain("MaxEventsPerWait"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoop<int>(new EventLoopOptions { MaxEventsPerWait = EventLoopOptions.MaxMaxEventsPerWait + 1 }));
        using var largest = new EventLoop<int>(new EventLoopOptions { MaxEventsPerWait = EventLoopOptions.MaxMaxEventsPerWait });
        int n = 0;
        largest.Dispatch(TimeSpan.Zero, ref n);
    }

    [Test]
    public void AnUndefinedErrorPolicyIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoop<int>(new EventLoopOptions { ErrorPolicy = (ErrorPolicy)42 }));
        using var loop = new EventLoop<int>();
        RegistrationToken token = loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        Assert.Throws<ArgumentOutOfRangeException>(() => loop.Handle.SetErrorPolicy(token, (ErrorPolicy)(-1)));
        Assert.That(loop.Handle.GetSources()[0].ErrorPolicy, Is.Null, "the refused policy was not applied");
    }

    [Test]
    public void AnUndefinedModeOrInterestIsRefusedAndNothingIsRegistered()
    {
        using var loop = new EventLoop<int>();
        var (read, write) = Fds.Pipe();
        using var _r = read;
        using var _w = write;
        var badMode = Generic.From(read, Interest.Readable, (Mode)9, leaveOpen: true);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => loop.Handle.InsertSource(badMode, (_, ref _, ref _) => PostAction.Continue));
        Assert.That(e!.Message, Does.Contain("mode"));
        var badInterest = Generic.From(read, (Interest)12, Mode.Level, leaveOpen: true);
        Assert.Throws<ArgumentOutOfRangeException>(() => loop.Handle.InsertSource(badInterest, (_, ref _, ref _) => PostAction.Continue));
        Assert.That(loop.Handle.SourceCount, Is.Zero);

        // The descriptor was not left registered: a valid source for it goes in.
        loop.Handle.InsertSource(Generic.From(read, Interest.Readable, Mode.Level, leaveOpen: true), (_, ref r, ref n) =>
        {
            n += Fds.Drain(r);
            return PostAction.Continue;
        });
        Fds.Write(write, "z"u8);
        int data = 0;
        loop.Dispatch(TimeSpan.FromSeconds(5), ref data);
        Assert.That(data, Is.EqualTo(1));
    }

    [Test]
    public void AWatchPathWithANulCharacterIsRefusedNotTruncated()
    {
        string dir = Path.Combine(Path.GetTempPath(), "calloop-nul-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            using var source = new FileWatchSource();
            var e = Assert.Throws<ArgumentException>(() => source.Add(dir + "\0/x", FileWatchKinds.All));
            Assert.That(e!.Message, Does.Contain("NUL"));
            Assert.That(source.WatchCount, Is.Zero, "the truncated path is not watched");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void InfiniteTimeSpanWaitsLikeNullAndOtherNegativeTimeoutsAreRefused()
    {
        using var loop = new EventLoop<int>();
        var (ping, source) = Ping.Create();
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        var thread = new Thread(() => ping.Send());
        thread.Start();
        int calls = 0;
        loop.Dispatch(Timeout.InfiniteTimeSpan, ref calls);
        thread.Join();
        Assert.That(calls, Is.EqualTo(1), "returned for the ping, not at once");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => loop.Dispatch(TimeSpan.FromSeconds(-2), ref calls));
        Assert.That(e!.ParamName, Is.EqualTo("timeout"));
        ping.Dispose();
    }
}
