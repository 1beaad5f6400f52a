using System;
using System.Runtime.CompilerServices;
using System.Threading;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// Records which loop a source is inserted in, so that a source is in at most one loop at a time: inserting it
/// again (into the same loop or another) would overwrite its registration state and lose the first loop's events.
/// </summary>
/// <remarks>
/// Built-in sources that are inserted often (timers, pings, descriptors) keep the record in a field
/// (<see cref="IOwnedSource"/>): claiming and releasing cost a compare-exchange and allocate nothing. Any other
/// source is recorded in a weak table, which holds it no longer than the caller does.
/// </remarks>
internal static class SourceOwnership
{
    private static readonly ConditionalWeakTable<IEventSource, object> s_owners = new();

    /// <summary>Records <paramref name="owner"/> (the loop's poller) as the loop of <paramref name="source"/>, or throws if it has one.</summary>
    /// <exception cref="InvalidOperationException">The source is already inserted in a loop.</exception>
    internal static void Claim(IEventSource source, object owner)
    {
        object? current = source is IOwnedSource owned
            ? Interlocked.CompareExchange(ref owned.Owner, owner, null)
            : s_owners.TryAdd(source, owner) ? null : s_owners.TryGetValue(source, out object? o) ? o : null;
        if (current is not null)
        {
            throw new InvalidOperationException(
                $"LoopHandle.InsertSource: this {source.GetType().Name} is already in {(ReferenceEquals(current, owner) ? "this loop" : "another loop")}; " +
                "a source belongs to one loop at a time. Remove it first, or create another source.");
        }
    }

    /// <summary>Forgets the loop of <paramref name="source"/> (removed, or its insertion failed).</summary>
    internal static void Release(IEventSource source)
    {
        if (source is IOwnedSource owned)
        {
            Volatile.Write(ref owned.Owner, null);
        }
        else
        {
            s_owners.Remove(source);
        }
    }
}

/// <summary>A built-in source that records its loop (the loop's <see cref="Poll"/>) in a field of its own.</summary>
internal interface IOwnedSource
{
    /// <summary>The field holding the loop's poller while the source is in a loop, else null.</summary>
    ref object? Owner { get; }
}
