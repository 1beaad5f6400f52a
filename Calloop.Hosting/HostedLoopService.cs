using System;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Calloop.Hosting;

/// <summary>
/// Runs one loop on a thread of its own for the host: start (create the loop, the data and the sources there, and
/// report set-up failures to the host), run until the host stops, then stop, wake, drain posted work, dispose and join.
/// </summary>
internal sealed class HostedLoopService<TData> : IHostedService, IDisposable
{
    /// <summary>How many dispatches a drain may take at most, however much work keeps being posted.</summary>
    private const int MaxDrainDispatches = 64;

    private readonly IServiceProvider _services;
    private readonly HostedLoopRegistration<TData> _registration;
    private readonly EventLoopDispatcher<TData> _dispatcher;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;
    private readonly string _name;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _shutdownToken;
    private Thread? _thread;

    public HostedLoopService(
        IServiceProvider services,
        HostedLoopRegistration<TData> registration,
        EventLoopDispatcher<TData> dispatcher,
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggerFactory)
    {
        _services = services;
        _registration = registration;
        _dispatcher = dispatcher;
        _lifetime = lifetime;
        _name = registration.Options.Name ?? typeof(TData).Name;
        _logger = loggerFactory.CreateLogger("Calloop.Hosting.EventLoop");
    }

    /// <summary>Completes when the loop's thread has ended (the join).</summary>
    internal Task Completion => _completed.Task;

    /// <summary>The exception that ended the loop's thread, if any.</summary>
    internal Exception? Crash { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _thread = new Thread(RunThread)
        {
            Name = $"Calloop {_name}",
            // A loop stuck past the shutdown timeout must not keep the process alive.
            IsBackground = true,
        };
        _thread.Start();
        await _started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_thread is null)
        {
            return;
        }
        _shutdownToken = cancellationToken;
        // Run returns after its current dispatch; cancelling wakes the loop at once.
        _stopping.Cancel();
        try
        {
            await _completed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.ShutdownTimedOut(_logger, _name);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private void RunThread()
    {
        EventLoop<TData>? loop = null;
        TData data = default!;
        try
        {
            var options = new EventLoopOptions();
            _registration.Options.ConfigureLoop?.Invoke(options);
            options.Name ??= _name;
            options.Observer ??= new LoggingLoopObserver(_logger, _name);
            options.TimeProvider ??= (TimeProvider?)_services.GetService(typeof(TimeProvider));
            options.MeterFactory ??= (IMeterFactory?)_services.GetService(typeof(IMeterFactory));
            loop = new EventLoop<TData>(options);
            data = _registration.CreateData(_services);
            _dispatcher.Attach(loop.Handle);
            foreach (LoopSetup<TData> setup in _registration.Setups)
            {
                setup(loop.Handle, ref data, _services);
            }
        }
        catch (Exception e)
        {
            // The host's start fails with the set-up's exception.
            Finish(loop, e);
            _started.TrySetException(e);
            return;
        }
        _started.TrySetResult();
        Log.LoopStarted(_logger, _name, Environment.CurrentManagedThreadId);
        Exception? crash = null;
        try
        {
            loop.Run(null, ref data, null, _stopping.Token);
            if (!_stopping.IsCancellationRequested)
            {
                bool stopHost = _registration.Options.StopHostWhenLoopStops;
                Log.LoopEndedByItself(_logger, _name, stopHost ? "stopping the host" : "the host goes on");
                if (stopHost)
                {
                    _lifetime.StopApplication();
                }
            }
            Drain(loop, ref data);
        }
        catch (Exception e)
        {
            crash = e;
            Crash = e;
            bool stopHost = _registration.Options.CrashBehavior == LoopCrashBehavior.StopHost;
            Log.LoopCrashed(_logger, e, _name, stopHost ? "stopping the host" : "the host goes on without it");
            if (stopHost)
            {
                if (Environment.ExitCode == 0)
                {
                    Environment.ExitCode = 1;
                }
                _lifetime.StopApplication();
            }
        }
        Finish(loop, crash);
    }

    /// <summary>
    /// Delivers what is ready at the stop (one dispatch that does not wait: channel messages already sent, a channel's
    /// close, due timers), then runs the work posted before the stop, until none is left or the shutdown timeout passes.
    /// </summary>
    private void Drain(EventLoop<TData> loop, ref TData data)
    {
        for (int i = 0; i < MaxDrainDispatches && (i == 0 || _dispatcher.PendingCount > 0) && !_shutdownToken.IsCancellationRequested; i++)
        {
            loop.Dispatch(TimeSpan.Zero, ref data);
        }
    }

    /// <summary>Refuses further posts, disposes the loop and its sources, and completes the join.</summary>
    private void Finish(EventLoop<TData>? loop, Exception? crash)
    {
        int left = _dispatcher.PendingCount;
        _dispatcher.Close();
        try
        {
            loop?.Dispose();
        }
        catch (Exception e)
        {
            Log.DisposeFailed(_logger, e, _name);
        }
        if (crash is null && loop is not null)
        {
            Log.LoopStopped(_logger, _name, left);
        }
        _completed.TrySetResult();
    }
}
