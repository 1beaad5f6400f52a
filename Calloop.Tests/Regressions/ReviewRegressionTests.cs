using System;
using System.Threading;
using System.Threading.Tasks;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Regressions;

/// <summary>Edge cases found in review: each failed before its fix.</summary>
public partial class ReviewRegressionTests
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);

    private sealed class Log
    {
        public int A;
        public int B;
    }

    [Test]
    public void ATimerRescheduledLaterWithinTheDispatchThatExpiredItDoesNotFireEarly()
    {
        using var loop = new EventLoop<Log>();
        LoopHandle<Log> handle = loop.Handle;
        Instant due = Instant.Now + TimeSpan.FromMilliseconds(5);
        var b = TimerSource.FromDeadline(due);
        RegistrationToken tb = default;
        handle.InsertSource(TimerSource.FromDeadline(due), (_, ref _, ref log) =>
        {
            log.A++;
            b.SetDeadline(Instant.Now + TimeSpan.FromHours(1));
            handle.Update(tb);
            return TimeoutAction.Drop;
        });
        tb = handle.InsertSource(b, (_, ref _, ref log) =>
        {
            log.B++;
            return TimeoutAction.Drop;
        });
        var data = new Log();
        Waits.DispatchUntil(loop, ref data, () => data.A > 0, "the first timer fired");
        loop.Dispatch(TimeSpan.FromMilliseconds(20), ref data);
        Assert.That(data.B, Is.Zero, "rescheduled an hour ahead: it must not fire from the stale expiry");
        Assert.That(handle.SourceCount, Is.EqualTo(1));
    }

    [Test]
    public void ATimerRescheduledToAnotherPastTimeWithinTheDispatchFiresOnce()
    {
        using var loop = new EventLoop<Log>();
        LoopHandle<Log> handle = loop.Handle;
        Instant due = Instant.Now + TimeSpan.FromMilliseconds(5);
        var b = TimerSource.FromDeadline(due);
        RegistrationToken tb = default;
        handle.InsertSource(TimerSource.FromDeadline(due), (_, ref _, ref log) =>
        {
            log.A++;
            b.SetDeadline(Instant.Now);
            handle.Update(tb);
            return TimeoutAction.Drop;
        });
        tb = handle.InsertSource(b, (_, ref _, ref log) =>
        {
            log.B++;
            return TimeoutAction.ToDuration(TimeSpan.FromHours(1));
        });
        var data = new Log();
        Waits.DispatchUntil(loop, ref data, () => data.A > 0, "the first timer fired");
        for (int i = 0; i < 5; i++)
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(2), ref data);
        }
        Assert.That(data.B, Is.EqualTo(1), "one reschedule, one fire: no orphaned wheel entry fires it again");
    }

    [Test]
    public void TheDefaultRegistrationTokenNamesNoSource()
    {
        using var loop = new EventLoop<int>();
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop);
        Assert.Throws<ArgumentException>(() => loop.Handle.Remove(default));
        Assert.That(loop.Handle.SourceCount, Is.EqualTo(1));
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

    [Test]
    public void CancellingAnIdleAfterTheLoopIsDisposedIsHarmless()
    {
        var loop = new EventLoop<int>();
        bool ran = false;
        Idle idle = loop.Handle.InsertIdle((ref _) => ran = true);
        loop.Dispose();
        idle.Cancel();
        // Nor from another thread (a finalizer or a clean-up task): the loop is gone, so its thread is no longer checked.
        Exception? fromAnotherThread = null;
        Thread thread = Waits.Start(() =>
        {
            try
            {
                idle.Cancel();
            }
            catch (Exception e)
            {
                fromAnotherThread = e;
            }
        });
        Waits.Join(thread, "the cancelling thread ended");
        Assert.That(fromAnotherThread, Is.Null);
        Assert.That(ran, Is.False, "disposing the loop dropped the idle callback unrun");
    }

    [Test]
    public void InstantArithmeticSaturates()
    {
        Instant now = Instant.Now;
        Assert.That(now - TimeSpan.MinValue, Is.EqualTo(Instant.MaxValue));
        Assert.That(Instant.MaxValue - Instant.FromNanoseconds(0), Is.EqualTo(TimeSpan.FromTicks(long.MaxValue / 100 + 1)).Or.EqualTo(TimeSpan.MaxValue));
        Assert.That(Instant.FromNanoseconds(1) - Instant.FromNanoseconds(0), Is.EqualTo(TimeSpan.FromTicks(1)), "rounded up, never short");
    }

    [Test]
    public void BlockOnEndsWithAClearErrorWhenAnErrorPolicyRemovesItsExecutor()
    {
        using var loop = new EventLoop<int>(new EventLoopOptions { ErrorPolicy = ErrorPolicy.RemoveSource });
        int data = 0;
        var e = Assert.Throws<InvalidOperationException>(() => loop.BlockOn(async () =>
        {
            await Task.Yield();
            SynchronizationContext.Current!.Post(_ => throw new InvalidOperationException("posted work failed"), null);
            await new TaskCompletionSource<int>().Task;
            return 1;
        }, ref data));
        Assert.That(e!.Message, Does.Contain("removed from the loop"));
    }

    private sealed class Received
    {
        public readonly System.Collections.Generic.List<int> Messages = [];
        public int TimerFires;
    }

    [Test]
    public void AChannelKeepsDeliveringAfterCallbacksThrowOnLeftoverMessages()
    {
        using var loop = new EventLoop<Received>();
        var (sender, source) = Channel.Create<int>();
        using var _ = sender;
        loop.Handle.InsertSource(source, (evt, ref _, ref r) =>
        {
            if (evt.IsClosed)
            {
                return;
            }
            r.Messages.Add(evt.Message);
            if (evt.Message <= 2)
            {
                throw new InvalidOperationException($"message {evt.Message}");
            }
        });
        var received = new Received();
        int throws = 0;
        void DispatchUntilThrow()
        {
            // A dispatch after a throw first finishes the interrupted batch; the next one polls again.
            for (int i = 0; i < 10; i++)
            {
                try
                {
                    loop.Dispatch(TimeSpan.FromMilliseconds(50), ref received);
                }
                catch (InvalidOperationException)
                {
                    throws++;
                    return;
                }
            }
        }
        sender.Send(1);
        sender.Send(2);
        DispatchUntilThrow();
        sender.Send(3);
        DispatchUntilThrow();
        sender.Send(4);
        for (int i = 0; i < 10 && received.Messages.Count < 4; i++)
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(200), ref received);
        }
        Assert.That(throws, Is.EqualTo(2));
        Assert.That(received.Messages, Is.EqualTo(new[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void ATimerWhoseCallbackThrowsStaysScheduled()
    {
        using var loop = new EventLoop<Received>();
        loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromMilliseconds(5)), (_, ref _, ref r) =>
        {
            if (++r.TimerFires == 1)
            {
                throw new InvalidOperationException("first fire");
            }
            return TimeoutAction.Drop;
        });
        var received = new Received();
        var thrown = Assert.Throws<InvalidOperationException>(() => Waits.DispatchUntil(loop, ref received, () => false, "the timer's callback threw"));
        Assert.That(thrown!.Message, Is.EqualTo("first fire"));
        Assert.That(loop.NextTimerDeadline, Is.Not.Null, "still in the wheel after its callback threw");
        for (int i = 0; i < 10 && received.TimerFires < 2; i++)
        {
            loop.Dispatch(TimeSpan.FromSeconds(5), ref received);
        }
        Assert.That(received.TimerFires, Is.EqualTo(2));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }
}
