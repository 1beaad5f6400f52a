namespace Calloop.Sources;

/// <summary>Combining the <see cref="PostAction"/>s of a composite source's children.</summary>
public static class PostActionExtensions
{
    /// <summary>
    /// Combines the actions of two children of a composite source: equal actions stay as they are,
    /// different actions give <see cref="PostAction.Reregister"/> (the composite re-registers every child).
    /// The same as <c>first | second</c>, except that <c>default(PostAction)</c> counts as <see cref="PostAction.Continue"/>.
    /// </summary>
    public static PostAction Combine(this PostAction first, PostAction second) => Normalize(first) | Normalize(second);

    /// <summary>The action itself, or <see cref="PostAction.Continue"/> for a value that names none of the four.</summary>
    internal static PostAction Normalize(PostAction action) =>
        action is PostAction.Disable or PostAction.Remove or PostAction.Reregister ? action : PostAction.Continue;
}
