namespace Calloop;

/// <summary>A change reported by a <see cref="FileWatchSource"/>.</summary>
public readonly struct FileWatchEvent
{
    internal FileWatchEvent(FileWatch watch, string? watchedPath, FileWatchKinds kinds, uint cookie, string? name)
    {
        Watch = watch;
        WatchedPath = watchedPath;
        Kinds = kinds;
        Cookie = cookie;
        Name = name;
    }

    /// <summary>The watch that saw the change (descriptor -1 for <see cref="FileWatchKinds.QueueOverflow"/>).</summary>
    public FileWatch Watch { get; }

    /// <summary>The path given to <see cref="FileWatchSource.Add"/> for that watch; null for a queue overflow.</summary>
    public string? WatchedPath { get; }

    /// <summary>What happened (one kind, plus <see cref="FileWatchKinds.IsDirectory"/> when it concerns a directory).</summary>
    public FileWatchKinds Kinds { get; }

    /// <summary>Ties a <see cref="FileWatchKinds.MovedFrom"/> to its <see cref="FileWatchKinds.MovedTo"/> (0 otherwise).</summary>
    public uint Cookie { get; }

    /// <summary>The name of the file inside a watched directory, or null when the event is about the watched path itself.</summary>
    public string? Name { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Kinds} {WatchedPath}{(Name is null ? string.Empty : "/" + Name)}{(Cookie != 0 ? $" (cookie {Cookie})" : string.Empty)}";
}
