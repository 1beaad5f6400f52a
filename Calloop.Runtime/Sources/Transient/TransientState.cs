namespace Calloop;

/// <summary>Where a <see cref="TransientSource{TSource, TEvent, TMetadata, TReturn}"/>'s inner source stands.</summary>
internal enum TransientState
{
    /// <summary>Registered (when the wrapper is) and receiving events.</summary>
    Keep,

    /// <summary>Not registered yet: registered at the next registration.</summary>
    Register,

    /// <summary>Disabled itself: unregistered at the next re-registration, registered again by <c>Enable</c> or the wrapper's re-enabling.</summary>
    Disable,

    /// <summary>Asked to be removed: unregistered and disposed at the next (re/un)registration.</summary>
    Remove,

    /// <summary>No inner source.</summary>
    None,
}
