using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Async;

[TestFixture(NotifierKind.EventFd)]
[TestFixture(NotifierKind.Pipe)]
public class ExecutorTests(NotifierKind notifier) : NotifierFixture(notifier)
{
    [Test]
    public void ScheduledWorkRunsAtTheNextDispatchAndItsOutputReachesTheCallback()
    {
        using var loop = new EventLoop<List<int>>();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) => got.Add(outcome.GetValue()));
        bool started = false;
        scheduler.Schedule(() =>
        {
            started = true;
            return Task.FromResult(42);
        });
        Assert.That(started, Is.False, "work runs only when the loop dispatches");
        var got = new List<int>();
        loop.Dispatch(TimeSpan.Zero, ref got);
        Assert.That(started, Is.True);
        Assert.That(got, Is.EqualTo(new[] { 42 }));
    }

    [Test]
    public void WorkThatAwaitsCompletesAfterItsContinuationRuns()
    {
        using var loop = new EventLoop<List<int>>();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) => got.Add(outcome.GetValue()));
        scheduler.Schedule(async () =>
        {
            await Task.Yield();
            return 7;
        });
        var got = new List<int>();
        loop.Dispatch(TimeSpan.Zero, ref got);
        Assert.That(got, Is.Empty, "the continuation was posted to the loop, not run inline");
        loop.Dispatch(TimeSpan.FromSeconds(5), ref got);
        Assert.That(got, Is.EqualTo(new[] { 7 }));
    }

    [Test]
    public void At1024ItemsPerDispatchTheRestWaitsForTheNextDispatch()
    {
        using var loop = new EventLoop<int>();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (_, ref _, ref n) => n++);
        for (int i = 0; i < 1025; i++)
        {
            int value = i;
            scheduler.Schedule(() => Task.FromResult(value));
        }
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1024));
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1025), "the executor re-armed itself for the last one");
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1025));
    }

    [Test]
    public void EveryContinuationRunsOnTheLoopThread()
    {
        using var loop = new EventLoop<List<int>>();
        int loopThread = Environment.CurrentManagedThreadId;
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref threads) => threads.Add(outcome.GetValue()));
        var threads = new List<int>();
        var seen = new List<int>();
        scheduler.Schedule(async () =>
        {
            seen.Add(Environment.CurrentManagedThreadId);
            await Task.Delay(1);                       // completes on a timer thread
            seen.Add(Environment.CurrentManagedThreadId);
            await Task.Run(() => Thread.Sleep(1));     // completes on the thread pool
            seen.Add(Environment.CurrentManagedThreadId);
            await Task.Yield();
            seen.Add(Environment.CurrentManagedThreadId);
            return Environment.CurrentManagedThreadId;
        });
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (threads.Count == 0 && DateTime.UtcNow < deadline)
        {
            loop.Dispatch(TimeSpan.FromSeconds(1), ref threads);
        }
        Assert.That(threads, Is.EqualTo(new[] { loopThread }));
        Assert.That(seen, Is.EqualTo(new[] { loopThread, loopThread, loopThread, loopThread }));
    }

    [Test]
    [Repeat(5)]
    public void WorkScheduledFromOtherThreadsIsNeverLost([Values(Backend.Epoll, Backend.IoUring)] Backend backend)
    {
        const int Threads = 4;
        const int PerThread = 5000;
        using var loop = new EventLoop<int>(new EventLoopOptions { Backend = backend == Backend.IoUring ? Backends.IoUringTests.Available : backend });
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref sum) => sum += outcome.GetValue());
        var producers = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            producers[t] = new Thread(() =>
            {
                for (int i = 0; i < PerThread; i++)
                {
                    scheduler.Schedule(static () => Task.FromResult(1));
                    if (i % 8 == 0)
                    {
                        Thread.SpinWait(100); // spread the work so that it races with the loop draining it
                    }
                }
            });
            producers[t].Start();
        }
        int sum = 0;
        // Consume while the producers run...
        while (Array.Exists(producers, p => p.IsAlive))
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(100), ref sum);
        }
        foreach (Thread p in producers)
        {
            p.Join();
        }
        // ...then finish with dispatches that never wait: whatever is left must have left the eventfd readable.
        // A lost wake-up (flag set, eventfd empty) would strand the rest here.
        for (int i = 0; i < 100 && sum < Threads * PerThread; i++)
        {
            loop.Dispatch(TimeSpan.Zero, ref sum);
        }
        Assert.That(sum, Is.EqualTo(Threads * PerThread));
    }

    [Test]
    public void WorkScheduledFromInsideTheCallbackRunsAtTheNextDispatch()
    {
        using var loop = new EventLoop<int>();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref n) =>
        {
            n++;
            if (outcome.GetValue() < 3)
            {
                int next = outcome.GetValue() + 1;
                scheduler.Schedule(() => Task.FromResult(next));
            }
        });
        scheduler.Schedule(() => Task.FromResult(0));
        int calls = 0;
        for (int i = 0; i < 4; i++)
        {
            loop.Dispatch(TimeSpan.FromSeconds(5), ref calls);
        }
        Assert.That(calls, Is.EqualTo(4));
    }

    [Test]
    public void AnExceptionInTheWorkReachesTheCallback()
    {
        using var loop = new EventLoop<List<TaskOutcome<int>>>();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) => got.Add(outcome));
        scheduler.Schedule(async () =>
        {
            await Task.Yield();
            throw new InvalidDataException("bad frame");
        });
        scheduler.Schedule(() => throw new ArgumentException("thrown before any task existed"));
        var got = new List<TaskOutcome<int>>();
        Waits.DispatchUntil(loop, ref got, () => got.Count >= 2, "both outcomes were delivered");
        Assert.That(got[0].Exception, Is.TypeOf<ArgumentException>());
        Assert.That(got[1].IsSuccess, Is.False);
        Assert.That(got[1].Exception, Is.TypeOf<InvalidDataException>().With.Message.EqualTo("bad frame"));
        Assert.Throws<InvalidDataException>(() => got[1].GetValue());
    }

    [Test]
    public void CanceledWorkReportsCancellation()
    {
        using var loop = new EventLoop<List<TaskOutcome<int>>>();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) => got.Add(outcome));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        scheduler.Schedule(ct => Task.FromCanceled<int>(ct), cts.Token);
        var got = new List<TaskOutcome<int>>();
        loop.Dispatch(TimeSpan.Zero, ref got);
        Assert.That(got, Has.Count.EqualTo(1));
        Assert.That(got[0].IsCanceled, Is.True);
    }

    [Test]
    public void TheTaskSchedulerRunsTasksOnTheLoopThread()
    {
        using var loop = new EventLoop<int>();
        int loopThread = Environment.CurrentManagedThreadId;
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (_, ref _, ref _) => { });
        Task<int> task = Task.Run(() => Task.Factory.StartNew(
            () => Environment.CurrentManagedThreadId, CancellationToken.None, TaskCreationOptions.None, scheduler.TaskScheduler));
        int ignored = 0;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(100), ref ignored);
        }
        Assert.That(task.Result, Is.EqualTo(loopThread));
    }

    [Test]
    public void SendFromAnotherThreadWaitsForTheLoop()
    {
        using var loop = new EventLoop<int>();
        int loopThread = Environment.CurrentManagedThreadId;
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (_, ref _, ref _) => { });
        int ranOn = -1;
        var sender = new Thread(() => scheduler.SynchronizationContext.Send(_ => ranOn = Environment.CurrentManagedThreadId, null));
        sender.Start();
        int ignored = 0;
        while (sender.IsAlive)
        {
            loop.Dispatch(TimeSpan.FromMilliseconds(50), ref ignored);
        }
        Assert.That(ranOn, Is.EqualTo(loopThread));
    }

    [Test]
    public void ScheduleAfterTheExecutorLeftTheLoopThrows()
    {
        using var loop = new EventLoop<int>();
        var (executor, scheduler) = Executor.Create<int>();
        RegistrationToken token = loop.Handle.InsertSource(executor, (_, ref _, ref _) => { });
        loop.Handle.Remove(token);
        Assert.Throws<ObjectDisposedException>(() => scheduler.Schedule(() => Task.FromResult(1)));
    }

    [Test]
    public void AnExceptionFromTheCallbackLosesNoOtherOutcome()
    {
        using var loop = new EventLoop<List<int>>();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) =>
        {
            got.Add(outcome.GetValue());
            if (outcome.GetValue() == 1)
            {
                throw new InvalidOperationException("callback failed");
            }
        });
        for (int i = 0; i < 3; i++)
        {
            int value = i;
            scheduler.Schedule(() => Task.FromResult(value));
        }
        var got = new List<int>();
        Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.Zero, ref got));
        // The dispatch after a callback exception finishes the interrupted one; the executor re-armed for the rest.
        loop.Dispatch(TimeSpan.Zero, ref got);
        loop.Dispatch(TimeSpan.Zero, ref got);
        Assert.That(got, Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public void WorkPostedFromAnotherSourcesCallbackRunsAtTheNextDispatch()
    {
        using var loop = new EventLoop<List<int>>();
        var (executor, scheduler) = Executor.Create<int>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref got) => got.Add(outcome.GetValue()));
        var (ping, pingSource) = Ping.Create();
        using var _ = ping;
        int posted = 0;
        loop.Handle.InsertSource(pingSource, (_, ref _, ref _) =>
        {
            scheduler.Schedule(() => Task.FromResult(1));
            scheduler.SynchronizationContext.Post(_ => posted++, null);
        });
        ping.Send();
        var got = new List<int>();
        loop.Dispatch(TimeSpan.Zero, ref got);
        loop.Dispatch(TimeSpan.Zero, ref got);
        Assert.That(got, Is.EqualTo(new[] { 1 }));
        Assert.That(posted, Is.EqualTo(1));
    }
}
