using System;
using Calloop;
using HostedDaemon;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// A worker service whose heart is one Calloop loop: a heartbeat timer, and readings that a producer service sends
// through a Calloop channel from the thread pool. Ctrl-C or SIGTERM stops the host, which stops the loop gracefully:
// the readings already sent are handled, then the process exits with code 0.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);

// The channel: the producer gets the thread-safe sender, the loop's data gets the source.
var (sender, readings) = Calloop.Channel.Create<Reading>();
builder.Services.AddSingleton(sender);

builder.Services
    .AddEventLoop(services => new Daemon(readings, services.GetRequiredService<ILogger<Daemon>>()))
    .AddSetup(static (handle, ref daemon, _) => daemon.InsertSources(handle))   // generated from [OnEvent]
    .Configure(static options =>
    {
        options.Name = "daemon";
        options.ConfigureLoop = static loop =>
        {
            loop.ErrorPolicy = ErrorPolicy.DisableSource;          // a failing source is logged and disabled
            loop.StallThreshold = TimeSpan.FromMilliseconds(100);   // a callback this slow is logged
        };
    });

builder.Services.AddHostedService<ReadingProducer>();

using IHost host = builder.Build();
await host.RunAsync();
Console.WriteLine("HostedDaemon: exited cleanly");
