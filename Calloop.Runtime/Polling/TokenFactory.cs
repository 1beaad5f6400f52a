using System;
using System.ComponentModel;

namespace Calloop.Sources;

/// <summary>
/// Hands out the <see cref="Token"/>s a source uses to register its descriptors and timers. The loop
/// passes a fresh factory to every <see cref="IEventSource.Register"/> and <see cref="IEventSource.Reregister"/>
/// call; a composite source passes it on, by reference, to each of its children in turn.
/// </summary>
public struct TokenFactory
{
    private readonly int _slot;
    private readonly int _version;
    private int _nextSubId;

    internal TokenFactory(int slot, int version)
    {
        _slot = slot;
        _version = version;
        _nextSubId = 0;
    }

    /// <summary>How many tokens this factory has handed out (or skipped) so far.</summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public readonly int Issued => _nextSubId;

    /// <summary>
    /// Skips <paramref name="count"/> sub-ids without handing them out: a composite whose inner source is inactive skips
    /// the tokens that source took when it registered, so that the sources after it keep their sub-ids (events already
    /// queued for them carry those).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">More than 65,536 tokens would be used in one registration.</exception>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public void Skip(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_nextSubId + count > 0x10000)
        {
            throw new InvalidOperationException("A source asked for more than 65536 tokens in one registration.");
        }
        _nextSubId += count;
    }

    /// <summary>Returns a token not yet handed out for this registration.</summary>
    /// <exception cref="InvalidOperationException">More than 65,536 tokens were requested in one registration.</exception>
    public Token NextToken()
    {
        if (_nextSubId > 0xFFFF)
        {
            throw new InvalidOperationException("A source asked for more than 65536 tokens in one registration.");
        }
        return new Token(_slot, _version, _nextSubId++);
    }
}
