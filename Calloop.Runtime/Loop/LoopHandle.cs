using System;
using System.Collections.Generic;
using System.ComponentModel;
using Calloop.CompilerServices;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// Inserts, removes, enables, disables and updates the sources of an <see cref="EventLoop{TData}"/>, and queues
/// idle callbacks. Usable from inside any callback of the loop, on the loop's thread only.
/// </summary>
/// <typeparam name="TData">The shared data every callback receives.</typeparam>
public sealed class LoopHandle<TData>
{
    internal LoopHandle(SourceRegistry<TData> registry) => Registry = registry;

    /// <summary>The loop's sources; what this handle does, it asks of them.</summary>
    internal SourceRegistry<TData> Registry { get; }

    private LoopState State => Registry.State;

    /// <summary>Gets the number of sources in the loop (enabled or not).</summary>
    public int SourceCount => Registry.SourceCount;

    /// <summary>Inserts a source with a callback. The loop owns the source from now on and disposes it when it is removed.</summary>
    /// <returns>The token that names the source in this loop.</returns>
    /// <exception cref="CalloopException">The source could not register (for example a closed or already registered fd); it is not inserted, not disposed, and the loop is unchanged.</exception>
    /// <exception cref="InvalidOperationException">The source is already in a loop (this one or another), or this is not the loop's thread.</exception>
    /// <param name="source">The source.</param>
    /// <param name="callback">Called with each event the source produces.</param>
    /// <param name="name">An optional name, shown in error messages, <see cref="GetSources"/> and <see cref="LoopExceptionEventArgs"/>.</param>
    public RegistrationToken InsertSource<TEvent, TMetadata, TReturn>(
        IEventSource<TEvent, TMetadata, TReturn> source,
        EventCallback<TEvent, TMetadata, TData, TReturn> callback,
        string? name = null)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return InsertSource(source, new DelegateHandler<TEvent, TMetadata, TData, TReturn>(callback), name);
    }

    /// <summary>Inserts a source whose callbacks return nothing (such as <see cref="PingSource"/>) with a callback.</summary>
    /// <inheritdoc cref="InsertSource{TEvent, TMetadata, TReturn}(IEventSource{TEvent, TMetadata, TReturn}, EventCallback{TEvent, TMetadata, TData, TReturn}, string?)"/>
    public RegistrationToken InsertSource<TEvent, TMetadata>(
        IEventSource<TEvent, TMetadata, Unit> source,
        EventAction<TEvent, TMetadata, TData> callback,
        string? name = null)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return InsertSource(source, new ActionHandler<TEvent, TMetadata, TData>(callback), name);
    }

    /// <summary>
    /// Inserts a source with a struct handler that is called directly, without a delegate. This is what generated code
    /// calls; it is hidden from completion, but a program may use it with its own <see cref="IEventHandler{TEvent, TMetadata, TData, TReturn}"/> struct.
    /// </summary>
    /// <param name="source">The source.</param>
    /// <param name="handler">Called with each event the source produces.</param>
    /// <param name="name">An optional name, shown in error messages, <see cref="GetSources"/> and <see cref="LoopExceptionEventArgs"/>.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public RegistrationToken InsertSource<TEvent, TMetadata, TReturn, THandler>(IEventSource<TEvent, TMetadata, TReturn> source, THandler handler, string? name = null)
        where THandler : struct, IEventHandler<TEvent, TMetadata, TData, TReturn>
    {
        ArgumentNullException.ThrowIfNull(source);
        State.CheckThread("LoopHandle.InsertSource");
        // Built-in sources get an entry that calls them directly (see DirectSourceEntry); the interface check and
        // the one generic virtual call happen here, once per insertion, instead of once per event.
        SourceEntry<TData> entry = source is IDirectSource<TEvent, TMetadata, TReturn> direct
            ? direct.CreateEntry<TData, THandler>(handler)
            : new SourceEntry<TData, TEvent, TMetadata, TReturn, THandler>(source, handler);
        return Registry.Insert(entry, name);
    }

    /// <summary>Sets the error policy of one source; null makes it follow the loop's <see cref="EventLoopOptions.ErrorPolicy"/>.</summary>
    /// <exception cref="ArgumentException">The token is stale, or belongs to another loop.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="policy"/> is not a defined policy.</exception>
    public void SetErrorPolicy(RegistrationToken token, ErrorPolicy? policy)
    {
        State.CheckThread("LoopHandle.SetErrorPolicy");
        if (policy is ErrorPolicy p)
        {
            ErrorPolicies.Check(p, nameof(policy));
        }
        Registry.SetErrorPolicy(token, policy);
    }

    /// <summary>Lists the sources in the loop (a snapshot, for diagnostics).</summary>
    public IReadOnlyList<SourceInfo> GetSources()
    {
        State.CheckThread("LoopHandle.GetSources");
        return Registry.GetSources();
    }

    /// <summary>Queues a callback to run once, after the events of the current or next dispatch.</summary>
    public Idle InsertIdle(IdleCallback<TData> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        State.CheckThread("LoopHandle.InsertIdle");
        return Registry.Idles.Insert(callback);
    }

    /// <summary>
    /// Removes a source: unregisters it and disposes it. From the source's own callback the removal happens
    /// when the callback returns.
    /// </summary>
    /// <exception cref="ArgumentException">The token is stale (its source was already removed), or belongs to another loop.</exception>
    public void Remove(RegistrationToken token)
    {
        State.CheckThread("LoopHandle.Remove");
        Registry.Remove(token);
    }

    /// <summary>Re-registers a disabled source; a no-op for an enabled one.</summary>
    /// <exception cref="ArgumentException">The token is stale, or belongs to another loop.</exception>
    public void Enable(RegistrationToken token)
    {
        State.CheckThread("LoopHandle.Enable");
        Registry.Enable(token);
    }

    /// <summary>Unregisters a source but keeps it in the loop; pending level-triggered readiness is seen again after <see cref="Enable"/>.</summary>
    /// <exception cref="ArgumentException">The token is stale, or belongs to another loop.</exception>
    public void Disable(RegistrationToken token)
    {
        State.CheckThread("LoopHandle.Disable");
        Registry.Disable(token);
    }

    /// <summary>Re-registers an enabled source after its interest, mode or deadline changed.</summary>
    /// <exception cref="ArgumentException">The token is stale, or belongs to another loop.</exception>
    public void Update(RegistrationToken token)
    {
        State.CheckThread("LoopHandle.Update");
        Registry.Update(token);
    }
}
