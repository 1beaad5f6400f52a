using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Calloop.Hosting.Tests;

/// <summary>One log entry as a test sees it.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

/// <summary>Collects every log entry of a host, and lets a test wait for one.</summary>
internal sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private readonly SemaphoreSlim _added = new(0);

    internal LogEntry[] Entries => _entries.ToArray();

    internal LogEntry[] WithId(int id) => Entries.Where(e => e.EventId.Id == id && e.Category.StartsWith("Calloop", StringComparison.Ordinal)).ToArray();

    /// <summary>Waits (ten seconds at most) for a Calloop entry with event ID <paramref name="id"/>.</summary>
    internal async Task<LogEntry> WaitFor(int id)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            if (WithId(id).FirstOrDefault() is LogEntry entry)
            {
                return entry;
            }
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _added.WaitAsync(left))
            {
                throw new TimeoutException($"No log entry with event ID {id} within ten seconds; got: {string.Join(" | ", Entries.Select(e => e.Message))}");
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            sink._entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
            sink._added.Release();
        }
    }
}

internal static class TestHost
{
    /// <summary>A host with no default providers but the log sink, and a short shutdown timeout.</summary>
    internal static HostApplicationBuilder CreateBuilder(LogSink logs, TimeSpan? shutdownTimeout = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(10));
        return builder;
    }

    internal static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
}
