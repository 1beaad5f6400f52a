using System;
using System.Threading;

namespace Calloop;

/// <summary>
/// The sending side of a ping: wakes its <see cref="PingSource"/>, whose callback then runs once however many
/// pings arrived since the last dispatch. Thread-safe: <see cref="Send"/> may be called from any thread.
/// When every <see cref="Ping"/> (the first and its clones) is disposed, the source delivers a pending ping and
/// then removes itself from the loop.
/// </summary>
public sealed class Ping : IDisposable
{
    private readonly PingState _state;
    private int _disposed;

    private Ping(PingState state) => _state = state;

    /// <summary>Creates a connected pair: the <see cref="Ping"/> to send with and the <see cref="PingSource"/> to insert into a loop.</summary>
    /// <exception cref="CalloopException">The notifier (eventfd on Linux, pipe elsewhere) could not be created.</exception>
    public static (Ping Ping, PingSource Source) Create()
    {
        var state = new PingState();
        return (new Ping(state), new PingSource(state));
    }

    /// <summary>Wakes the source. Costs one write (to an eventfd on Linux, a pipe elsewhere); never blocks.</summary>
    /// <exception cref="ObjectDisposedException">This ping was disposed.</exception>
    public void Send()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        // Reference-counted write: even if another thread disposes this very ping (the last owner) meanwhile, the
        // descriptor cannot be closed, and its number handed to another file, during the write.
        _state.Notifier.Add(PingState.PingIncrement, PingState.WriteOperation);
    }

    /// <summary>Another sender for the same source; the source stays until every sender is disposed.</summary>
    public Ping Clone()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!_state.TryAddSender())
        {
            // The last sender was disposed meanwhile: the source has been told it is closed.
            throw new ObjectDisposedException(nameof(Ping), "Ping.Clone: every sender of this ping has been disposed.");
        }
        return new Ping(_state);
    }

    /// <summary>Drops this sender. Harmless when repeated.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            GC.SuppressFinalize(this);
            _state.RemoveSender();
        }
    }

    /// <summary>
    /// A sender collected without <see cref="Dispose"/> is dropped then, as calloop drops a sender that goes out of
    /// scope; but a collection may come late or never, so dispose every sender.
    /// </summary>
    ~Ping()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                _state.RemoveSender();
            }
            catch (CalloopException)
            {
                // The wake-up could not be written (the loop is gone): nobody is left to tell.
            }
        }
    }
}
