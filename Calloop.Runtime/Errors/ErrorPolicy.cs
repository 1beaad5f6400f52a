namespace Calloop;

/// <summary>What the loop does when a callback throws.</summary>
public enum ErrorPolicy
{
    /// <summary>
    /// The exception propagates out of <see cref="EventLoop{TData}.Dispatch"/> (calloop's behaviour), unless an
    /// <see cref="EventLoop{TData}.UnhandledException"/> handler marks it handled. The source stays in the loop.
    /// </summary>
    Propagate,

    /// <summary>The source is disabled (kept in the loop; <see cref="LoopHandle{TData}.Enable"/> brings it back) and dispatching goes on.</summary>
    DisableSource,

    /// <summary>The source is removed (and disposed) and dispatching goes on.</summary>
    RemoveSource,

    /// <summary>The loop is asked to stop (<see cref="LoopSignal.Stop"/>); the source stays and dispatching goes on until the end of this dispatch.</summary>
    StopLoop,
}
