using System;

namespace Calloop;

/// <summary>
/// A <see cref="Sender{T}"/> tried to send after its channel's receiving source was disposed (removed from its
/// loop, or the loop disposed). The message was not queued.
/// </summary>
public sealed class ChannelClosedException : InvalidOperationException
{
    /// <summary>Creates the exception with the default message.</summary>
    public ChannelClosedException()
        : base("The channel's receiving source is gone (removed from its event loop or disposed): the message was not sent.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ChannelClosedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public ChannelClosedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
