using System;

namespace Calloop.Sources;

/// <summary>The events of one source in the current dispatch, as seen by <see cref="IEventSource.BeforeHandleEvents"/>.</summary>
public ref struct EventIterator
{
    private readonly ReadOnlySpan<PollEvent> _events;
    private readonly int _slot;
    private readonly int _version;
    private int _index;

    internal EventIterator(ReadOnlySpan<PollEvent> events, int slot, int version)
    {
        _events = events;
        _slot = slot;
        _version = version;
        _index = -1;
    }

    /// <summary>The current event.</summary>
    public readonly PollEvent Current => _events[_index];

    /// <summary>Moves to the next event of this source.</summary>
    public bool MoveNext()
    {
        while (++_index < _events.Length)
        {
            Token t = _events[_index].Token;
            if (t.Slot == _slot && t.Version == _version)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Enables <c>foreach</c>.</summary>
    public readonly EventIterator GetEnumerator() => this;
}
