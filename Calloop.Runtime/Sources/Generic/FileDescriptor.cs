using System;

namespace Calloop;

/// <summary>
/// A raw file descriptor number that the caller owns and keeps open while it is in a loop. Prefer a
/// <see cref="System.Runtime.InteropServices.SafeHandle"/> or a <see cref="System.Net.Sockets.Socket"/>, which the
/// loop can keep from being closed under it.
/// </summary>
public readonly struct FileDescriptor : IEquatable<FileDescriptor>
{
    /// <summary>Wraps the descriptor number <paramref name="value"/>.</summary>
    public FileDescriptor(int value) => Value = value;

    /// <summary>The descriptor number.</summary>
    public int Value { get; }

    /// <inheritdoc/>
    public bool Equals(FileDescriptor other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FileDescriptor other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Value;

    /// <summary>The descriptor number, as in <c>fd 7</c>.</summary>
    public override string ToString() => $"fd {Value}";

    /// <summary>True when both name the same descriptor number.</summary>
    public static bool operator ==(FileDescriptor left, FileDescriptor right) => left.Equals(right);

    /// <summary>True when they name different descriptor numbers.</summary>
    public static bool operator !=(FileDescriptor left, FileDescriptor right) => !left.Equals(right);
}
