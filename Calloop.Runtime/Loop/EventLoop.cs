using System;
using System.Threading;
using Calloop.Collections;
using Calloop.Polling;
using Calloop.Sources;
using Calloop.Timers;

namespace Calloop;

/// <summary>
/// A callback-based event loop over epoll (Linux) or kqueue (macOS, FreeBSD). Sources (file descriptors, timers, pings, channels, ...) are inserted
/// through <see cref="Handle"/> with a callback; <see cref="Dispatch"/> waits for events and calls the callbacks,
/// handing each the shared data of type <typeparamref name="TData"/> by reference.
/// </summary>
/// <remarks>
/// The loop belongs to the thread that creates it: every member except <see cref="Signal"/>'s
/// <see cref="LoopSignal"/> must be used on that thread, and a call from another thread throws
/// <see cref="InvalidOperationException"/>. After start-up, dispatching allocates nothing.
/// </remarks>
/// <typeparam name="TData">The shared data every callback receives by reference.</typeparam>
public sealed partial class EventLoop<TData> : IDisposable
{
    private readonly SourceRegistry<TData> _registry;
    private readonly LoopHandle<TData> _handle;
    private readonly Poll _poll;
    private readonly Waker _waker;
    private readonly LoopSignal _signal;
    private readonly PollEvent[] _osEvents;
    private readonly ErrorPolicy _errorPolicy;
    private readonly long _timerSlackNs;
    private readonly string? _name;
    private readonly LoopObserver? _observer;
    private readonly long _stallTicks;
    private readonly LoopClock? _clock;
    private readonly Diagnostics.LoopMetrics _metrics;
    private PollEvent[] _batch;
    private int _batchCount;
    private int _batchNext;
    private bool _idlesPending;
    private bool _staleEventSeen;
    private readonly int _initialBatchLength;
    private TrimSchedule _trimSchedule;

    /// <summary>Creates a loop on the calling thread, which becomes the loop's thread.</summary>
    /// <exception cref="CalloopException">The poller (epoll, kqueue) or the wake-up descriptor (eventfd, pipe) could not be created (the message carries the errno, such as EMFILE).</exception>
    public EventLoop()
        : this(null)
    {
    }

    /// <summary>Creates a loop with the given options on the calling thread, which becomes the loop's thread.</summary>
    /// <exception cref="CalloopException">The poller (epoll, kqueue) or the wake-up descriptor (eventfd, pipe) could not be created (the message carries the errno, such as EMFILE).</exception>
    /// <exception cref="System.ArgumentOutOfRangeException"><see cref="EventLoopOptions.MaxEventsPerWait"/> is not from 1 to <see cref="EventLoopOptions.MaxMaxEventsPerWait"/>, <see cref="EventLoopOptions.ErrorPolicy"/> is not a defined policy, <see cref="EventLoopOptions.TimerSlack"/> is negative or more than a day, or <see cref="EventLoopOptions.StallThreshold"/> is negative.</exception>
    /// <exception cref="PlatformNotSupportedException">
    /// The backend asked for does not exist on this system: <see cref="Backend.Epoll"/> off Linux,
    /// <see cref="Backend.Kqueue"/> off macOS and FreeBSD.
    /// </exception>
    public EventLoop(EventLoopOptions? options)
    {
        options ??= new EventLoopOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxEventsPerWait, "options.MaxEventsPerWait");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxEventsPerWait, EventLoopOptions.MaxMaxEventsPerWait, "options.MaxEventsPerWait");
        ErrorPolicies.Check(options.ErrorPolicy, "options.ErrorPolicy");
        if (options.TimerSlack < TimeSpan.Zero || options.TimerSlack > EventLoopOptions.MaxTimerSlack)
        {
            throw new ArgumentOutOfRangeException("options.TimerSlack", options.TimerSlack, "EventLoopOptions.TimerSlack must be between zero and one day.");
        }
        _timerSlackNs = Instant.ToNanoseconds(options.TimerSlack);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.StallThreshold, TimeSpan.Zero, "options.StallThreshold");
        _stallTicks = options.StallThreshold == TimeSpan.Zero ? 0
            : (long)Math.Min(long.MaxValue, Math.Ceiling(options.StallThreshold.TotalSeconds * System.Diagnostics.Stopwatch.Frequency));
        _name = options.Name;
        _observer = options.Observer;
        _metrics = Diagnostics.LoopMetrics.For(options.MeterFactory, options.Name);
        _errorPolicy = options.ErrorPolicy;
        _osEvents = new PollEvent[options.MaxEventsPerWait];
        _batch = new PollEvent[options.MaxEventsPerWait + 64];
        _initialBatchLength = _batch.Length;
        PollBackend backend = CreateBackend(options.Backend, options.MaxEventsPerWait);
        try
        {
            _waker = new Waker();
            _poll = new Poll(backend);
            _poll.RegisterCounter(_waker.Notifier, SourceRegistry<TData>.WakeToken);
        }
        catch
        {
            _waker?.Dispose();
            backend.Dispose();
            throw;
        }
        _signal = new LoopSignal(_waker);
        if (options.TimeProvider is TimeProvider provider && provider != TimeProvider.System)
        {
            _clock = new LoopClock(provider, _signal);
            _clock.MakeCurrent();
        }
        else
        {
            // A loop with the system's time on a thread that had one with a provider: Instant.Now is real time again.
            LoopClock.ClearCurrent();
        }
        _registry = new SourceRegistry<TData>(_poll, _waker);
        _handle = new LoopHandle<TData>(_registry);
    }

    /// <summary>The backend <paramref name="backend"/> names; <see cref="Backend.Default"/> is the platform's best.</summary>
    private static PollBackend CreateBackend(Backend backend, int capacity)
    {
        if (backend == Backend.Default)
        {
            backend = OperatingSystem.IsLinux() ? Backend.Epoll
                : OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? Backend.Kqueue
                : Backend.Poll;
        }
        // Every value is accepted here on every platform: a backend refuses a platform it cannot run on with a
        // PlatformNotSupportedException that names it (the values' [SupportedOSPlatform] tells callers at build time).
#pragma warning disable CA1416
        return backend switch
        {
            Backend.Epoll => new EpollBackend(capacity),
            Backend.Kqueue => new KqueueBackend(capacity),
            Backend.Poll => new PollSyscallBackend(),
            Backend.IoUring => new IoUringBackend(),
            Backend.IoUringOrEpoll => CreateIoUringOrEpoll(capacity),
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown backend."),
        };
#pragma warning restore CA1416
    }

    /// <summary>io_uring where this process can create a ring, otherwise epoll.</summary>
    private static PollBackend CreateIoUringOrEpoll(int capacity)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                return new IoUringBackend();
            }
            catch (Exception e) when (e is PlatformNotSupportedException or CalloopException)
            {
                // Not available here (or refused for lack of memory on a kernel that charges the rings to
                // RLIMIT_MEMLOCK): epoll.
            }
        }
        return new EpollBackend(capacity);
    }

    /// <summary>The handle that inserts and manages sources; the same instance every time.</summary>
    public LoopHandle<TData> Handle => _handle;

    /// <summary>
    /// Raised on the loop's thread when a callback throws, before the loop applies the error policy. Set
    /// <see cref="LoopExceptionEventArgs.Handled"/> to keep the exception from propagating out of <see cref="Dispatch"/>.
    /// </summary>
    public event EventHandler<LoopExceptionEventArgs>? UnhandledException;

    /// <summary>A thread-safe signal that stops or wakes this loop; the same instance every time.</summary>
    public LoopSignal Signal => _signal;

    /// <summary>
    /// Runs <see cref="Dispatch"/> then <paramref name="afterDispatch"/> until <see cref="LoopSignal.Stop"/> is
    /// called. The stop flag is cleared on entry. <paramref name="timeout"/> bounds each wait.
    /// </summary>
    /// <param name="timeout">Bounds each wait; null waits until an event, a wake-up or a timer.</param>
    /// <param name="data">The shared data, passed by reference to every callback.</param>
    /// <param name="afterDispatch">Called after each dispatch.</param>
    /// <param name="cancellationToken">
    /// Stops the loop as <see cref="LoopSignal.Stop"/> does: <c>Run</c> returns after the current dispatch (a graceful
    /// stop, not an exception, as a host's run returns when its token fires). Cancelling from another thread wakes the
    /// loop at once; with no token (the default) nothing is registered.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>).</exception>
    public void Run(TimeSpan? timeout, ref TData data, RunCallback<TData>? afterDispatch = null, CancellationToken cancellationToken = default)
    {
        _registry.State.CheckThread("EventLoop.Run");
        timeout = CheckTimeout(timeout);
        _signal.ResetStop();
        using CancellationTokenRegistration wake = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((LoopSignal)s!).Wakeup(), _signal)
            : default;
        while (!_signal.StopRequested && !cancellationToken.IsCancellationRequested)
        {
            Dispatch(timeout, ref data);
            afterDispatch?.Invoke(ref data);
        }
    }

    /// <summary>
    /// Gives back the memory a burst left behind: the registry's slots, timer nodes and idle entries past the highest
    /// one in use, bucket and batch arrays grown for the burst, and sorting scratch. The loop does this by itself
    /// once its tables have stayed at less than a quarter full for about a second; call this to do it now.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from a callback of this loop, or from another thread.</exception>
    /// <exception cref="ObjectDisposedException">The loop was disposed.</exception>
    public void TrimExcess()
    {
        LoopState state = _registry.State;
        state.CheckThread("EventLoop.TrimExcess");
        ObjectDisposedException.ThrowIf(state.IsDisposed, this);
        if (state.IsDispatching)
        {
            throw new InvalidOperationException("EventLoop.TrimExcess cannot be called from one of the loop's own callbacks.");
        }
        Trim();
    }

    private void Trim()
    {
        _trimSchedule.Reset();
        _registry.TrimExcess();
        _registry.Idles.TrimExcess();
        _poll.Timers.TrimExcess();
        if (_batch.Length > _initialBatchLength && _batchNext >= _batchCount)
        {
            _batch = new PollEvent[_initialBatchLength];
            _batchCount = 0;
            _batchNext = 0;
        }
    }

    /// <summary>
    /// At the end of a dispatch: trims the tables once they have stayed sparse (less than a quarter in use) for
    /// <see cref="TrimSchedule.DelayMs"/>, so that memory returns after a burst while a steady load, which refills them
    /// sooner, does not shrink and regrow them.
    /// </summary>
    private void TrimWhenSparse()
    {
        bool sparse = _registry.IsSparse || _poll.Timers.IsSparse || _registry.Idles.IsSparse
            || (_batch.Length > _initialBatchLength && _batchNext >= _batchCount);
        if (_trimSchedule.IsDue(sparse))
        {
            Trim();
        }
    }

    /// <summary>Unregisters and disposes every source, then closes the loop's descriptors. Harmless when repeated.</summary>
    /// <exception cref="InvalidOperationException">Called from a callback of this loop, or from another thread.</exception>
    public void Dispose()
    {
        if (_registry.State.IsDisposed)
        {
            return;
        }
        _registry.State.CheckThread("EventLoop.Dispose");
        if (_registry.State.IsDispatching)
        {
            throw new InvalidOperationException("EventLoop.Dispose cannot be called from one of the loop's own callbacks.");
        }
        try
        {
            _registry.RemoveAll();
        }
        finally
        {
            _registry.Idles.Clear();
            _registry.State.IsDisposed = true;
            _poll.DisposeBackend();
            _waker.Dispose();
            _clock?.Dispose();
        }
    }
}
