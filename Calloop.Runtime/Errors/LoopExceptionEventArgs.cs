using System;

namespace Calloop;

/// <summary>Describes an exception thrown by a callback, for <see cref="EventLoop{TData}.UnhandledException"/>.</summary>
public sealed class LoopExceptionEventArgs : EventArgs
{
    internal LoopExceptionEventArgs(Exception exception, RegistrationToken? source, string? sourceName, ErrorPolicy policy)
    {
        Exception = exception;
        Source = source;
        SourceName = sourceName;
        Policy = policy;
        Handled = policy != ErrorPolicy.Propagate;
    }

    /// <summary>The exception the callback threw.</summary>
    public Exception Exception { get; }

    /// <summary>The source whose callback threw; null for an idle callback.</summary>
    public RegistrationToken? Source { get; }

    /// <summary>The name given to the source when it was inserted, if any.</summary>
    public string? SourceName { get; }

    /// <summary>The policy that applies: the source's own, or else the loop's.</summary>
    public ErrorPolicy Policy { get; }

    /// <summary>
    /// Set to true to keep the exception from propagating out of <see cref="EventLoop{TData}.Dispatch"/>.
    /// Starts true for every policy but <see cref="ErrorPolicy.Propagate"/>.
    /// </summary>
    public bool Handled { get; set; }
}
