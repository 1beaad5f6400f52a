using System;

namespace Calloop;

/// <summary>
/// The event of an <see cref="AsyncStreamSource{T}"/>: one item of the stream, or its end (after which the source
/// removes itself). The end carries the exception the stream threw, if it failed.
/// </summary>
/// <typeparam name="T">The stream's item type.</typeparam>
public readonly struct AsyncStreamEvent<T>
{
    private readonly T _item;

    private AsyncStreamEvent(T item, bool isEnd, Exception? exception)
    {
        _item = item;
        IsEnd = isEnd;
        Exception = exception;
    }

    /// <summary>True for the last event: the stream has no more items.</summary>
    public bool IsEnd { get; }

    /// <summary>True for an item event.</summary>
    public bool IsItem => !IsEnd;

    /// <summary>The item; throws for the end event.</summary>
    /// <exception cref="InvalidOperationException">This is the end event.</exception>
    public T Item => IsEnd ? throw new InvalidOperationException("AsyncStreamEvent.Item: this is the end of the stream, which carries no item.") : _item;

    /// <summary>The exception that ended the stream, when it failed; null for items and for a normal end.</summary>
    public Exception? Exception { get; }

    /// <inheritdoc/>
    public override string ToString() => IsEnd ? (Exception is null ? "End" : $"End({Exception.GetType().Name}: {Exception.Message})") : $"Item({_item})";

    internal static AsyncStreamEvent<T> ForItem(T item) => new(item, false, null);

    internal static AsyncStreamEvent<T> ForEnd(Exception? exception) => new(default!, true, exception);
}
