using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Calloop.Hosting.Tests;

public class LoggingTests
{
    private sealed class Data;

    [TestCase(ErrorPolicy.DisableSource, 4, "disabled")]
    [TestCase(ErrorPolicy.RemoveSource, 5, "removed")]
    public async Task AFailingSourceIsLoggedWithItsNameAndWhatThePolicyDid(ErrorPolicy policy, int eventId, string verb)
    {
        var logs = new LogSink();
        var builder = TestHost.CreateBuilder(logs);
        builder.Services.AddEventLoop(_ => new Data())
            .Configure(o =>
            {
                o.Name = "io";
                o.ConfigureLoop = loop => loop.ErrorPolicy = policy;
            })
            .AddSetup((handle, ref _, _) => handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) => throw new InvalidOperationException("bad frame"), name: "uplink"));
        using IHost host = builder.Build();
        await host.StartAsync().WaitAsync(TestHost.Bound);
        LogEntry failed = await logs.WaitFor(3);
        LogEntry policyEntry = await logs.WaitFor(eventId);
        await host.StopAsync().WaitAsync(TestHost.Bound);

        Assert.That(failed.Level, Is.EqualTo(LogLevel.Error));
        Assert.That(failed.EventId.Name, Is.EqualTo("CallbackFailed"));
        Assert.That(failed.Message, Is.EqualTo($"A callback of event loop io threw (source uplink, error policy {policy}); the loop goes on."));
        Assert.That(failed.Exception!.Message, Is.EqualTo("bad frame"));
        Assert.That(policyEntry.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(policyEntry.Message, Does.StartWith($"Event loop io {verb} source uplink (").And.EndWith("after its callback threw: bad frame"));
    }

    [Test]
    public async Task ACallbackPastTheStallThresholdIsLogged()
    {
        var logs = new LogSink();
        var builder = TestHost.CreateBuilder(logs);
        builder.Services.AddEventLoop(_ => new Data())
            .Configure(o => o.ConfigureLoop = loop => loop.StallThreshold = TimeSpan.FromMilliseconds(30))
            .AddSetup((handle, ref _, _) => handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) =>
            {
                var watch = Stopwatch.StartNew();
                while (watch.Elapsed < TimeSpan.FromMilliseconds(35))
                {
                    // Busy: the work a stall is made of.
                }
                return TimeoutAction.Drop;
            }, name: "slow"));
        using IHost host = builder.Build();
        await host.StartAsync().WaitAsync(TestHost.Bound);
        LogEntry stall = await logs.WaitFor(6);
        await host.StopAsync().WaitAsync(TestHost.Bound);
        Assert.That(stall.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(stall.Message, Does.StartWith("A callback of source slow held event loop Data for "));
    }

    [Test]
    public async Task ALoopThatOutlivesTheShutdownTimeoutIsLoggedAndLeftBehind()
    {
        var logs = new LogSink();
        var builder = TestHost.CreateBuilder(logs, shutdownTimeout: TimeSpan.FromMilliseconds(100));
        using var release = new ManualResetEventSlim();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        builder.Services.AddEventLoop(_ => new Data())
            .AddSetup((handle, ref _, _) => handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) =>
            {
                held.TrySetResult();
                release.Wait(TestHost.Bound);
                return TimeoutAction.Drop;
            }));
        using IHost host = builder.Build();
        await host.StartAsync().WaitAsync(TestHost.Bound);
        await held.Task.WaitAsync(TestHost.Bound);
        await host.StopAsync().WaitAsync(TestHost.Bound);
        LogEntry timedOut = await logs.WaitFor(8);
        Assert.That(timedOut.Message, Does.StartWith("Event loop Data did not stop within the host's shutdown timeout"));
        Assert.That(logs.WithId(2), Is.Empty, "the loop has not stopped yet");
        release.Set();
        LogEntry stopped = await logs.WaitFor(2);
        Assert.That(stopped.Message, Does.StartWith("Event loop Data stopped"));
    }
}
