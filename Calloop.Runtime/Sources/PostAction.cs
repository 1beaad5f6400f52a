namespace Calloop;

/// <summary>What the loop should do with a source after it processed its events.</summary>
public enum PostAction
{
    /// <summary>Keep the source as it is.</summary>
    Continue,

    /// <summary>Call <see cref="IEventSource.Reregister"/> (the source changed what it watches).</summary>
    Reregister,

    /// <summary>Unregister the source but keep it in the loop; <see cref="LoopHandle{TData}.Enable"/> brings it back.</summary>
    Disable,

    /// <summary>Unregister the source and remove it from the loop (it is disposed if it is <see cref="System.IDisposable"/>).</summary>
    Remove,
}

/// <summary>Helpers for <see cref="PostAction"/>.</summary>
public static class PostActions
{
    /// <summary>
    /// Combines the actions of two children of a composite source: equal actions stay as they are,
    /// different actions give <see cref="PostAction.Reregister"/> (the composite re-registers every child).
    /// </summary>
    public static PostAction Combine(this PostAction first, PostAction second) => first == second ? first : PostAction.Reregister;
}
