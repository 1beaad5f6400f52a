using System;
using System.Runtime.InteropServices;
using System.Threading;
using Calloop.Polling;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// An event source delivering POSIX signals on the loop's thread. Built on <see cref="PosixSignalRegistration"/>
/// (the .NET runtime owns the process's signal handlers, so signalfd and sigprocmask cannot be made reliable):
/// the runtime's handler marks the signal in a lock-free pending set and wakes the loop through a wake-up descriptor
/// (eventfd on Linux, pipe elsewhere).
/// </summary>
/// <remarks>
/// <para>Several arrivals of one signal between two dispatches give one event (as with signalfd); in one dispatch,
/// pending signals are delivered in ascending signal number order.</para>
/// <para>Raw numbers are accepted as <c>(PosixSignal)10</c> (SIGUSR1 on Linux; 30 on macOS and FreeBSD) next to
/// the named members. SIGKILL and SIGSTOP cannot be caught; a signal the runtime refuses gives a <see cref="CalloopException"/> naming it.</para>
/// <para><see cref="CancelDefaultAction"/> (on by default) suppresses the default action of the signal (for
/// SIGINT and SIGTERM, terminating the process), as calloop does by blocking the signal; turn it off to only observe.
/// <see cref="Add"/>, <see cref="Remove"/> and <see cref="Set"/> change the watched set at any time, also while the
/// source is in a loop; use them on the loop's thread.</para>
/// <para>The signals are taken only while the source is registered in a loop: the handlers are installed when the
/// source is inserted (or enabled) and uninstalled when it is disabled, removed or disposed. A source that is
/// created but never inserted takes nothing, so Ctrl-C still stops a program that forgot to insert it.</para>
/// </remarks>
public sealed class SignalSource : IEventSource<SignalEvent, Unit, Unit>, IDisposable
{
    private readonly Waker _waker;
    private readonly PosixSignalRegistration?[] _registrations = new PosixSignalRegistration?[SignalNumbers.Max + 1];
    private readonly Action<PosixSignalContext> _handler;
    private long _pending;
    private long _watched;
    private volatile bool _cancelDefault = true;
    private FdRegistration _registration;
    private bool _disposed;

    /// <summary>Creates a source that watches <paramref name="signals"/> once it is inserted in a loop (possibly none yet; see <see cref="Add"/>).</summary>
    /// <exception cref="ArgumentException">A value is not a signal, or cannot be caught (SIGKILL, SIGSTOP).</exception>
    /// <exception cref="CalloopException">The runtime refused to register a signal, or the wake-up descriptor could not be created.</exception>
    public SignalSource(params ReadOnlySpan<PosixSignal> signals)
    {
        _handler = OnSignal;
        _waker = new Waker("signals");
        try
        {
            foreach (PosixSignal signal in signals)
            {
                Add(signal);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether the default action of a watched signal is suppressed (true by default). Read by the runtime's signal
    /// thread at each arrival.
    /// </summary>
    public bool CancelDefaultAction
    {
        get => _cancelDefault;
        set => _cancelDefault = value;
    }

    /// <summary>True when <paramref name="signal"/> is watched.</summary>
    public bool IsWatching(PosixSignal signal)
    {
        int n = SignalNumbers.ToNumber(signal);
        return n != 0 && (Interlocked.Read(ref _watched) & Bit(n)) != 0;
    }

    /// <summary>Starts watching <paramref name="signal"/>; a no-op when it is watched already.</summary>
    /// <exception cref="ArgumentException">Not a signal, or one that cannot be caught (SIGKILL, SIGSTOP).</exception>
    /// <exception cref="CalloopException">The runtime refused to register the signal.</exception>
    public void Add(PosixSignal signal)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int n = Validate(signal);
        if ((Interlocked.Read(ref _watched) & Bit(n)) != 0)
        {
            return;
        }
        if (!_registration.IsRegistered)
        {
            // Not in a loop: ask the runtime now whether it can watch the signal, so that a refusal is reported here
            // and not at insertion, and give the handler straight back (an arrival meanwhile finds the signal not
            // watched and keeps its default action).
            Take(n);
            GiveBack(n);
        }
        // Watched first, so that an arrival right after the handler is installed is not passed over.
        Interlocked.Or(ref _watched, Bit(n));
        if (_registration.IsRegistered)
        {
            try
            {
                Take(n);
            }
            catch
            {
                Interlocked.And(ref _watched, ~Bit(n));
                throw;
            }
        }
    }

    /// <summary>
    /// Stops watching <paramref name="signal"/> and uninstalls its handler (its default action applies again); an
    /// arrival still pending is not delivered. A no-op when it is not watched.
    /// </summary>
    public void Remove(PosixSignal signal)
    {
        int n = SignalNumbers.ToNumber(signal);
        if (n == 0 || (Interlocked.Read(ref _watched) & Bit(n)) == 0)
        {
            return;
        }
        Interlocked.And(ref _watched, ~Bit(n));
        GiveBack(n);
        Interlocked.And(ref _pending, ~Bit(n));
    }

    /// <summary>True while the source holds the runtime's handler for <paramref name="signal"/> (it is in a loop and watches it).</summary>
    internal bool Holds(PosixSignal signal)
    {
        int n = SignalNumbers.ToNumber(signal);
        return n != 0 && _registrations[n] is not null;
    }

    /// <summary>Installs the handler of signal <paramref name="n"/>.</summary>
    private void Take(int n)
    {
        try
        {
            _registrations[n] = PosixSignalRegistration.Create(SignalNumbers.ToPosixSignal(n), _handler);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CalloopException(
                $"PosixSignalRegistration.Create({SignalNumbers.Describe(n)}) failed: the .NET runtime cannot watch this signal ({e.Message}).", e);
        }
    }

    /// <summary>Uninstalls the handler of signal <paramref name="n"/>, if installed.</summary>
    private void GiveBack(int n)
    {
        PosixSignalRegistration? registration = _registrations[n];
        _registrations[n] = null;
        registration?.Dispose();
    }

    /// <summary>Installs the handler of every watched signal; on failure uninstalls those it installed.</summary>
    private void TakeAll()
    {
        long watched = Interlocked.Read(ref _watched);
        try
        {
            for (int n = 1; n <= SignalNumbers.Max; n++)
            {
                if ((watched & Bit(n)) != 0 && _registrations[n] is null)
                {
                    Take(n);
                }
            }
        }
        catch
        {
            GiveBackAll();
            throw;
        }
    }

    private void GiveBackAll()
    {
        for (int n = 1; n <= SignalNumbers.Max; n++)
        {
            GiveBack(n);
        }
    }

    /// <summary>Watches exactly <paramref name="signals"/>: the new ones are added, the others removed.</summary>
    /// <exception cref="ArgumentException">A value is not a signal, or cannot be caught; nothing was changed.</exception>
    /// <exception cref="CalloopException">The runtime refused to register a signal; the ones before it were added, none removed.</exception>
    public void Set(params ReadOnlySpan<PosixSignal> signals)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long wanted = 0;
        foreach (PosixSignal signal in signals)
        {
            wanted |= Bit(Validate(signal));
        }
        foreach (PosixSignal signal in signals)
        {
            Add(signal);
        }
        for (int n = 1; n <= SignalNumbers.Max; n++)
        {
            if ((wanted & Bit(n)) == 0 && (Interlocked.Read(ref _watched) & Bit(n)) != 0)
            {
                Remove(SignalNumbers.ToPosixSignal(n));
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>Takes the watched signals (installs their handlers).</remarks>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TakeAll();
        try
        {
            _registration.RegisterCounter(poll, ref tokenFactory, _waker.Notifier);
        }
        catch
        {
            GiveBackAll();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.Reregister(poll, ref tokenFactory, _waker.Fd);
    }

    /// <inheritdoc/>
    /// <remarks>Gives the signals back (uninstalls their handlers: default actions apply again).</remarks>
    public void Unregister(Poll poll)
    {
        GiveBackAll();
        _registration.Unregister(poll, _waker.Fd);
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<SignalEvent, Unit, Unit>, allows ref struct
    {
        if (!_registration.Owns(token))
        {
            return PostAction.Continue;
        }
        // Consume the wake-up, then clear the flag, then take the pending set: a signal marked after the take
        // finds the flag clear and writes the descriptor again.
        _waker.Drain(_registration.CounterPoll!);
        long pending = Interlocked.Exchange(ref _pending, 0) & Interlocked.Read(ref _watched);
        Unit metadata = default;
        while (pending != 0)
        {
            int n = System.Numerics.BitOperations.TrailingZeroCount(pending) + 1;
            pending &= pending - 1;
            try
            {
                callback.Invoke(new SignalEvent(n), ref metadata);
            }
            catch
            {
                // Keep the signals not yet delivered for the next dispatch.
                if (pending != 0)
                {
                    Interlocked.Or(ref _pending, pending);
                    Wake();
                }
                throw;
            }
        }
        return PostAction.Continue;
    }

    /// <summary>Uninstalls every handler (default actions apply again) and closes the wake-up descriptor. Harmless when repeated.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Interlocked.Exchange(ref _watched, 0);
        GiveBackAll();
        _waker.Dispose();
    }

    private static long Bit(int number) => 1L << (number - 1);

    private static int Validate(PosixSignal signal)
    {
        int n = SignalNumbers.ToNumber(signal);
        if (n == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(signal), signal, $"{(int)signal} is not a signal: use a PosixSignal member or a signal number of this system from 1 to {SignalNumbers.Max}.");
        }
        if (n == SignalNumbers.Kill || n == SignalNumbers.Stop)
        {
            throw new ArgumentException($"{SignalNumbers.Describe(n)} cannot be caught, blocked or ignored; no signal source can watch it.", nameof(signal));
        }
        return n;
    }

    /// <summary>Runs on the runtime's signal thread.</summary>
    private void OnSignal(PosixSignalContext context)
    {
        int n = SignalNumbers.ToNumber(context.Signal);
        if (n == 0 || (Interlocked.Read(ref _watched) & Bit(n)) == 0)
        {
            return;
        }
        if (_cancelDefault)
        {
            context.Cancel = true;
        }
        Interlocked.Or(ref _pending, Bit(n));
        Wake();
    }

    private void Wake() => _waker.Wake();
}
