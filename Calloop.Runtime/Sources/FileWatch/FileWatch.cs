using System;

namespace Calloop;

/// <summary>Names one watch of a <see cref="FileWatchSource"/> (the inotify watch descriptor).</summary>
public readonly struct FileWatch : IEquatable<FileWatch>
{
    /// <summary>Names the watch whose inotify watch descriptor is <paramref name="descriptor"/>.</summary>
    public FileWatch(int descriptor) => Descriptor = descriptor;

    /// <summary>The inotify watch descriptor.</summary>
    public int Descriptor { get; }

    /// <inheritdoc/>
    public bool Equals(FileWatch other) => Descriptor == other.Descriptor;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FileWatch other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Descriptor;

    /// <summary>The watch descriptor, as in <c>watch 3</c>.</summary>
    public override string ToString() => $"watch {Descriptor}";

    /// <summary>True when both name the same watch.</summary>
    public static bool operator ==(FileWatch left, FileWatch right) => left.Equals(right);

    /// <summary>True when they name different watches.</summary>
    public static bool operator !=(FileWatch left, FileWatch right) => !left.Equals(right);
}
