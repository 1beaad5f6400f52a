using System;
using Calloop;
using Microsoft.Extensions.Logging;

namespace HostedDaemon;

/// <summary>
/// The loop's shared data: its fields hold the sources and the generator wires each to its [OnEvent] method. Created by
/// the host on the loop's thread; every method runs there, so nothing here needs a lock.
/// </summary>
public sealed partial class Daemon(ChannelSource<Reading> readings, ILogger<Daemon> logger)
{
    private readonly ChannelSource<Reading> _readings = readings;
    private readonly TimerSource _heartbeat = TimerSource.FromDuration(TimeSpan.FromSeconds(1));
    private double _sum;

    /// <summary>Gets how many readings the loop has handled.</summary>
    public int Count { get; private set; }

    /// <summary>Gets the mean of the readings handled so far.</summary>
    public double Mean => Count == 0 ? 0 : _sum / Count;

    [OnEvent(nameof(_readings))]
    private void OnReading(ChannelEvent<Reading> evt)
    {
        if (evt.IsClosed)
        {
            Log.ProducerGone(logger, Count, Mean);
            return;
        }
        Count++;
        _sum += evt.Message.Celsius;
        Log.ReadingHandled(logger, evt.Message.Sequence, evt.Message.Celsius);
    }

    [OnEvent(nameof(_heartbeat))]
    private TimeoutAction OnHeartbeat(Instant deadline)
    {
        Log.Heartbeat(logger, Count);
        return TimeoutAction.ToDuration(TimeSpan.FromSeconds(1));
    }
}
