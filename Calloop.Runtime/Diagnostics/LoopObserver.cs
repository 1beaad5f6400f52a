using System;

namespace Calloop;

/// <summary>
/// Observes what a loop does on its failure and policy paths: callback exceptions, sources the error policy disabled or
/// removed, and callbacks that ran longer than <see cref="EventLoopOptions.StallThreshold"/>. Set one in
/// <see cref="EventLoopOptions.Observer"/>; override the methods you need (each does nothing by default).
/// </summary>
/// <remarks>
/// Every method is called on the loop's thread, inside <see cref="EventLoop{TData}.Dispatch"/>, and only when the event
/// it reports happens: a loop whose callbacks succeed never calls its observer, so observing costs nothing on the
/// dispatch path. An exception thrown by an observer propagates out of <see cref="EventLoop{TData}.Dispatch"/>.
/// <c>Calloop.Hosting</c> logs through one of these.
/// </remarks>
public abstract class LoopObserver
{
    /// <summary>Initializes a new instance of the <see cref="LoopObserver"/> class.</summary>
    protected LoopObserver()
    {
    }

    /// <summary>
    /// Called when a callback, a lifecycle hook or an idle callback threw, after <see cref="EventLoop{TData}.UnhandledException"/>
    /// was raised and the error policy applied.
    /// </summary>
    /// <param name="loopName">The loop's <see cref="EventLoopOptions.Name"/>, if any.</param>
    /// <param name="e">
    /// The exception, its source and policy; <see cref="LoopExceptionEventArgs.Handled"/> is false when the exception is
    /// about to propagate out of <see cref="EventLoop{TData}.Dispatch"/>.
    /// </param>
    public virtual void OnCallbackException(string? loopName, LoopExceptionEventArgs e)
    {
    }

    /// <summary>Called when <see cref="ErrorPolicy.DisableSource"/> disabled a source whose callback threw.</summary>
    /// <param name="loopName">The loop's <see cref="EventLoopOptions.Name"/>, if any.</param>
    /// <param name="source">The source disabled; <see cref="LoopHandle{TData}.Enable"/> turns it back on.</param>
    /// <param name="sourceName">The name given to the source when it was inserted, if any.</param>
    /// <param name="exception">The exception that caused it.</param>
    public virtual void OnSourceDisabled(string? loopName, RegistrationToken source, string? sourceName, Exception exception)
    {
    }

    /// <summary>Called when <see cref="ErrorPolicy.RemoveSource"/> removed (and disposed) a source whose callback threw.</summary>
    /// <param name="loopName">The loop's <see cref="EventLoopOptions.Name"/>, if any.</param>
    /// <param name="source">The source removed; its token is stale from now on.</param>
    /// <param name="sourceName">The name given to the source when it was inserted, if any.</param>
    /// <param name="exception">The exception that caused it.</param>
    public virtual void OnSourceRemoved(string? loopName, RegistrationToken source, string? sourceName, Exception exception)
    {
    }

    /// <summary>
    /// Called after a source's event processing, callback included, took at least <see cref="EventLoopOptions.StallThreshold"/>:
    /// for that long the loop served nothing else.
    /// </summary>
    /// <param name="loopName">The loop's <see cref="EventLoopOptions.Name"/>, if any.</param>
    /// <param name="source">The source whose callback ran long; null when the callback removed its own source.</param>
    /// <param name="sourceName">The name given to the source when it was inserted, if any.</param>
    /// <param name="elapsed">How long the callback ran.</param>
    public virtual void OnStall(string? loopName, RegistrationToken? source, string? sourceName, TimeSpan elapsed)
    {
    }
}
