using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace Calloop.Hosting.Tests;

public class FakeTimeHostingTests
{
    /// <summary>Data whose timer is a field, created on the loop's thread as a generated handler class's would be.</summary>
    private sealed class Poller
    {
        internal readonly TimerSource Every = TimerSource.FromDuration(TimeSpan.FromMinutes(5));
        internal int Polls;
    }

    [Test]
    public async Task AHostedLoopsTimersFollowTheRegisteredTimeProvider()
    {
        var time = new FakeTimeProvider();
        var builder = TestHost.CreateBuilder(new LogSink());
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddEventLoop(_ => new Poller())
            .AddSetup((handle, ref poller, _) => handle.InsertSource(poller.Every, (_, ref _, ref p) =>
            {
                p.Polls++;
                return TimeoutAction.ToDuration(TimeSpan.FromMinutes(5));
            }));
        using IHost host = builder.Build();
        var loop = host.Services.GetRequiredService<EventLoopDispatcher<Poller>>();
        await host.StartAsync().WaitAsync(TestHost.Bound);

        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.That(await loop.InvokeAsync((ref Poller p) => p.Polls).WaitAsync(TestHost.Bound), Is.Zero, "never early");
        for (int expected = 1; expected <= 3; expected++)
        {
            time.Advance(TimeSpan.FromMinutes(5));
            // The advance wakes the loop through the provider's timer; ask until the poll is seen (bounded).
            int polls = 0;
            for (int i = 0; i < 1000 && polls < expected; i++)
            {
                polls = await loop.InvokeAsync((ref Poller p) => p.Polls).WaitAsync(TestHost.Bound);
            }
            Assert.That(polls, Is.EqualTo(expected));
        }
        await host.StopAsync().WaitAsync(TestHost.Bound);
    }
}
