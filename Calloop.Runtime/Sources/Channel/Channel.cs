using System;
using System.Threading.Channels;

namespace Calloop;

/// <summary>
/// Creates channels whose receiving side is an event source: messages sent from any thread are delivered to a
/// callback on the loop's thread.
/// </summary>
public static class Channel
{
    /// <summary>The most messages a channel source delivers in one dispatch; the rest wait for the next.</summary>
    public const int MaxMessagesPerDispatch = 1024;

    /// <summary>An unbounded channel: sending never blocks.</summary>
    /// <exception cref="CalloopException">The notifier (eventfd on Linux, pipe elsewhere) could not be created.</exception>
    public static (Sender<T> Sender, ChannelSource<T> Source) Create<T>()
    {
        var state = new ChannelState<T>(0);
        return (new Sender<T>(state), new ChannelSource<T>(state));
    }

    /// <summary>
    /// A bounded channel holding at most <paramref name="capacity"/> queued messages:
    /// <see cref="Sender{T}.TrySend"/> fails and <see cref="Sender{T}.Send"/> blocks while it is full.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is less than 1.</exception>
    /// <exception cref="CalloopException">The notifier (eventfd on Linux, pipe elsewhere) could not be created.</exception>
    public static (Sender<T> Sender, ChannelSource<T> Source) CreateBounded<T>(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var state = new ChannelState<T>(capacity);
        return (new Sender<T>(state), new ChannelSource<T>(state));
    }

    /// <summary>
    /// A source that drains a <see cref="ChannelReader{T}"/> of <c>System.Threading.Channels</c> on the loop's
    /// thread; it delivers the closing event once the writer completed and every item was read.
    /// </summary>
    /// <exception cref="CalloopException">The notifier (eventfd on Linux, pipe elsewhere) could not be created.</exception>
    public static ChannelReaderSource<T> FromReader<T>(ChannelReader<T> reader) => new(reader);
}
