namespace Calloop;

/// <summary>Removes an <see cref="IoSource"/> from the loop it was inserted in, whatever the loop's data type.</summary>
internal abstract class IoRegistration
{
    /// <summary>Throws unless called on the loop's thread, on a live loop.</summary>
    internal abstract void CheckThread(string operation);

    /// <summary>True when the loop can still be used (not disposed).</summary>
    internal abstract bool IsLoopAlive { get; }

    /// <summary>Removes the source (which unregisters the descriptor and disposes the source).</summary>
    internal abstract void Remove();
}

/// <summary>The <see cref="IoRegistration"/> for a loop with data <typeparamref name="TData"/>.</summary>
internal sealed class IoRegistration<TData>(LoopHandle<TData> handle, RegistrationToken token) : IoRegistration
{
    internal override void CheckThread(string operation) => handle.Registry.State.CheckThread(operation);

    internal override bool IsLoopAlive => !handle.Registry.State.IsDisposed;

    internal override void Remove() => handle.Remove(token);
}
