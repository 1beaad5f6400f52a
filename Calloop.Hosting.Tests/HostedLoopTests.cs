using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Calloop.Hosting.Tests;

public class HostedLoopTests
{
    private sealed class State
    {
        internal readonly List<string> Seen = [];
        internal int Thread = Environment.CurrentManagedThreadId;
        internal string? ThreadName = System.Threading.Thread.CurrentThread.Name;
    }

    [Test]
    public async Task TheDataAndTheSourcesAreSetUpOnTheLoopsOwnThreadAndPostedWorkRunsThere()
    {
        var logs = new LogSink();
        var builder = TestHost.CreateBuilder(logs);
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        builder.Services.AddSingleton(fired);
        builder.Services.AddEventLoop(_ => new State())
            .Configure(o => o.Name = "unit")
            .AddSetup((handle, ref state, services) =>
            {
                state.Seen.Add("setup 1");
                var done = services.GetRequiredService<TaskCompletionSource>();
                handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref s) =>
                {
                    s.Seen.Add("timer");
                    done.TrySetResult();
                    return TimeoutAction.Drop;
                });
            })
            .AddSetup((handle, ref state, _) => state.Seen.Add("setup 2"));
        using IHost host = builder.Build();
        var dispatcher = host.Services.GetRequiredService<EventLoopDispatcher<State>>();
        Assert.That(dispatcher.TryPost((ref State s) => s.Seen.Add("posted before start")), Is.True);

        await host.StartAsync().WaitAsync(TestHost.Bound);
        await fired.Task.WaitAsync(TestHost.Bound);
        (int thread, string? name, string[] seen) = await dispatcher.InvokeAsync((ref State s) => (s.Thread, s.ThreadName, s.Seen.ToArray())).WaitAsync(TestHost.Bound);
        await host.StopAsync().WaitAsync(TestHost.Bound);

        Assert.That(thread, Is.Not.EqualTo(Environment.CurrentManagedThreadId));
        Assert.That(name, Is.EqualTo("Calloop unit"));
        // Posted work runs in the idle phase, after the first dispatch's events.
        Assert.That(seen, Is.EqualTo(new[] { "setup 1", "setup 2", "timer", "posted before start" }));
        Assert.That(logs.WithId(1)[0].Message, Is.EqualTo($"Event loop unit started on thread {thread}."));
    }

    [Test]
    public async Task StoppingTheHostRunsTheWorkPostedBeforeAndRefusesWorkAfter()
    {
        var logs = new LogSink();
        var builder = TestHost.CreateBuilder(logs);
        var release = new ManualResetEventSlim();
        builder.Services.AddEventLoop(_ => new State());
        using IHost host = builder.Build();
        var dispatcher = host.Services.GetRequiredService<EventLoopDispatcher<State>>();
        await host.StartAsync().WaitAsync(TestHost.Bound);

        // The loop is held in one item while more are posted behind it; then the host stops.
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        dispatcher.Post((ref State s) =>
        {
            holding.TrySetResult();
            release.Wait(TestHost.Bound);
            s.Seen.Add("held");
        });
        await holding.Task.WaitAsync(TestHost.Bound);
        var results = new List<Task<int>>();
        for (int i = 0; i < 100; i++)
        {
            int n = i;
            results.Add(dispatcher.InvokeAsync((ref State s) =>
            {
                s.Seen.Add("item");
                return n;
            }));
        }
        Task stopping = host.StopAsync();
        release.Set();
        await stopping.WaitAsync(TestHost.Bound);

        for (int i = 0; i < results.Count; i++)
        {
            Assert.That(await results[i].WaitAsync(TestHost.Bound), Is.EqualTo(i), "every item posted before the stop ran, in order");
        }
        Assert.That(dispatcher.PendingCount, Is.Zero);
        Assert.That(dispatcher.TryPost((ref State _) => { }), Is.False);
        Assert.Throws<InvalidOperationException>(() => dispatcher.Post((ref State _) => { }));
        Assert.That(async () => await dispatcher.InvokeAsync((ref State _) => 1).WaitAsync(TestHost.Bound), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(logs.WithId(2)[0].Message, Is.EqualTo("Event loop State stopped; 0 posted items left unrun."));
    }

    [Test]
    public async Task ACrashIsLoggedAndStopsTheHostWithExitCodeOne()
    {
        var logs = new LogSink();
        var builder = TestHost.CreateBuilder(logs);
        builder.Services.AddEventLoop(_ => new State())
            .AddSetup((handle, ref _, _) => handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) => throw new InvalidOperationException("boom"), name: "bad"));
        using IHost host = builder.Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        int exitCode = Environment.ExitCode;
        try
        {
            await host.StartAsync().WaitAsync(TestHost.Bound);
            LogEntry crash = await logs.WaitFor(7);
            await Task.Delay(Timeout.InfiniteTimeSpan, lifetime.ApplicationStopping).ContinueWith(_ => { }).WaitAsync(TestHost.Bound);
            Assert.That(crash.Level, Is.EqualTo(LogLevel.Critical));
            Assert.That(crash.Exception!.Message, Is.EqualTo("boom"));
            Assert.That(crash.Message, Is.EqualTo("Event loop State ended with an exception; stopping the host."));
            Assert.That(Environment.ExitCode, Is.EqualTo(1));
            await host.StopAsync().WaitAsync(TestHost.Bound);
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }

    [Test]
    public async Task WithCrashBehaviorIgnoreTheHostGoesOn()
    {
        var logs = new LogSink();
        var builder = TestHost.CreateBuilder(logs);
        builder.Services.AddEventLoop(_ => new State())
            .Configure(o => o.CrashBehavior = LoopCrashBehavior.Ignore)
            .AddSetup((handle, ref _, _) => handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) => throw new InvalidOperationException("boom")));
        using IHost host = builder.Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        await host.StartAsync().WaitAsync(TestHost.Bound);
        LogEntry crash = await logs.WaitFor(7);
        Assert.That(crash.Message, Does.EndWith("the host goes on without it."));
        Assert.That(lifetime.ApplicationStopping.IsCancellationRequested, Is.False);
        Assert.That(Environment.ExitCode, Is.Zero);
        await host.StopAsync().WaitAsync(TestHost.Bound);
    }

    [Test]
    public async Task ASetUpFailureFailsTheHostsStart()
    {
        var builder = TestHost.CreateBuilder(new LogSink());
        builder.Services.AddEventLoop<State>(_ => throw new InvalidOperationException("no data"));
        using IHost host = builder.Build();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await host.StartAsync().WaitAsync(TestHost.Bound));
        Assert.That(e!.Message, Is.EqualTo("no data"));
    }

    [Test]
    public async Task ALoopThatStopsItselfStopsTheHost()
    {
        var logs = new LogSink();
        var builder = TestHost.CreateBuilder(logs);
        builder.Services.AddEventLoop(_ => new State())
            .Configure(o => o.ConfigureLoop = loop => loop.ErrorPolicy = ErrorPolicy.StopLoop)
            .AddSetup((handle, ref _, _) => handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) => throw new InvalidOperationException("stop")));
        using IHost host = builder.Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        await host.StartAsync().WaitAsync(TestHost.Bound);
        await Task.Delay(Timeout.InfiniteTimeSpan, lifetime.ApplicationStopping).ContinueWith(_ => { }).WaitAsync(TestHost.Bound);
        Assert.That((await logs.WaitFor(9)).Message, Is.EqualTo("Event loop State was stopped from inside; stopping the host."));
        Assert.That((await logs.WaitFor(3)).Exception!.Message, Is.EqualTo("stop"), "the exception the policy handled is logged");
        await host.StopAsync().WaitAsync(TestHost.Bound);
    }

    [Test]
    public void OneLoopPerDataType()
    {
        var services = new ServiceCollection();
        services.AddEventLoop(_ => new State());
        Assert.Throws<InvalidOperationException>(() => services.AddEventLoop(_ => new State()));
    }
}
