using Microsoft.Extensions.Logging;

namespace HostedDaemon;

/// <summary>The daemon's log messages, compiled once by the logging source generator (no boxing, no parsing per call).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Handled reading #{Sequence}: {Celsius:F2} °C")]
    public static partial void ReadingHandled(ILogger logger, int sequence, double celsius);

    [LoggerMessage(2, LogLevel.Information, "Producer gone after {Count} readings (mean {Mean:F2} °C)")]
    public static partial void ProducerGone(ILogger logger, int count, double mean);

    [LoggerMessage(3, LogLevel.Information, "Heartbeat: {Count} readings so far")]
    public static partial void Heartbeat(ILogger logger, int count);

    [LoggerMessage(4, LogLevel.Information, "Asked the loop: mean so far {Mean:F2} °C")]
    public static partial void MeanSoFar(ILogger logger, double mean);
}
