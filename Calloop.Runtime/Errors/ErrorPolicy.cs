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

/// <summary>Checks <see cref="ErrorPolicy"/> values.</summary>
internal static class ErrorPolicies
{
    /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="policy"/> is not one of the defined policies.</exception>
    internal static void Check(ErrorPolicy policy, string paramName)
    {
        if (policy is not (ErrorPolicy.Propagate or ErrorPolicy.DisableSource or ErrorPolicy.RemoveSource or ErrorPolicy.StopLoop))
        {
            throw new System.ArgumentOutOfRangeException(paramName, policy, "Not an ErrorPolicy: use Propagate, DisableSource, RemoveSource or StopLoop.");
        }
    }
}
