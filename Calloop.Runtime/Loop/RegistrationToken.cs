using System;

namespace Calloop;

/// <summary>
/// Names a source inserted into a loop, for <see cref="LoopHandle{TData}.Remove"/>, <see cref="LoopHandle{TData}.Enable"/>,
/// <see cref="LoopHandle{TData}.Disable"/> and <see cref="LoopHandle{TData}.Update"/>. Once the source is removed the
/// token is stale, and using it throws, even after its slot is reused by another source.
/// </summary>
public readonly struct RegistrationToken : IEquatable<RegistrationToken>
{
    internal RegistrationToken(int slot, int version)
    {
        Slot = slot;
        Version = version;
    }

    internal int Slot { get; }

    internal int Version { get; }

    /// <inheritdoc/>
    public bool Equals(RegistrationToken other) => Slot == other.Slot && Version == other.Version;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is RegistrationToken other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Slot, Version);

    /// <summary>Compares two tokens.</summary>
    public static bool operator ==(RegistrationToken left, RegistrationToken right) => left.Equals(right);

    /// <summary>Compares two tokens.</summary>
    public static bool operator !=(RegistrationToken left, RegistrationToken right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"RegistrationToken(slot {Slot}, version {Version})";
}
