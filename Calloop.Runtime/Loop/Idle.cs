namespace Calloop;

/// <summary>
/// A pending idle callback, returned by <see cref="LoopHandle{TData}.InsertIdle"/>. <see cref="Cancel"/> stops it
/// from running; letting the handle go does not.
/// </summary>
public readonly struct Idle
{
    private readonly IdleQueue? _queue;
    private readonly int _slot;
    private readonly int _version;

    internal Idle(IdleQueue queue, int slot, int version)
    {
        _queue = queue;
        _slot = slot;
        _version = version;
    }

    /// <summary>Cancels the callback if it has not run yet; harmless afterwards. Only on the loop's thread.</summary>
    public void Cancel() => _queue?.Cancel(_slot, _version);
}
