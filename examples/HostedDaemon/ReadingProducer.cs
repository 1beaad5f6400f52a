using System;
using System.Threading;
using System.Threading.Tasks;
using Calloop;
using Calloop.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedDaemon;

/// <summary>
/// An ordinary hosted service, on the thread pool: sends a reading to the loop every 100 ms through the channel's
/// thread-safe sender, and every tenth reading asks the loop for its statistics through the dispatcher.
/// </summary>
public sealed class ReadingProducer(Sender<Reading> sender, EventLoopDispatcher<Daemon> loop, ILogger<ReadingProducer> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using PeriodicTimer timer = new(TimeSpan.FromMilliseconds(100));
        int sequence = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                sequence++;
                sender.Send(new Reading(sequence, 20 + Math.Sin(sequence / 5.0)));
                if (sequence % 10 == 0)
                {
                    // Runs on the loop's thread; the answer comes back here.
                    double mean = await loop.InvokeAsync(static (ref Daemon d) => d.Mean);
                    Log.MeanSoFar(logger, mean);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
        finally
        {
            // The last sender gone: the loop sees the channel close after every reading sent.
            sender.Dispose();
        }
    }
}
