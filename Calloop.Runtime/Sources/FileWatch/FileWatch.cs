namespace Calloop;

/// <summary>Names one watch of a <see cref="FileWatchSource"/> (the inotify watch descriptor).</summary>
/// <param name="Descriptor">The inotify watch descriptor.</param>
public readonly record struct FileWatch(int Descriptor);
