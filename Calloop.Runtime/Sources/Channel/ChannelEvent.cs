namespace Calloop;

/// <summary>
/// What a channel source delivers: a message, or (once, after every message) the news that the channel is
/// closed because every sender was disposed.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public readonly struct ChannelEvent<T>
{
    private ChannelEvent(T message, bool closed)
    {
        Message = message;
        IsClosed = closed;
    }

    /// <summary>An event carrying <paramref name="message"/>.</summary>
    internal static ChannelEvent<T> Of(T message) => new(message, false);

    /// <summary>The closing event.</summary>
    internal static ChannelEvent<T> Closed => new(default!, true);

    /// <summary>True for the closing event, which carries no message.</summary>
    public bool IsClosed { get; }

    /// <summary>The message; the default value of <typeparamref name="T"/> for the closing event.</summary>
    public T Message { get; }

    /// <summary>Gets the message, or false for the closing event.</summary>
    public bool TryGetMessage(out T message)
    {
        message = Message;
        return !IsClosed;
    }

    /// <inheritdoc/>
    public override string ToString() => IsClosed ? "Closed" : $"Message({Message})";
}
