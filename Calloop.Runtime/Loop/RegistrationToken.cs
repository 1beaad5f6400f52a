using System;

namespace Calloop;

/// <summary>
/// Names a source inserted into a loop, for <see cref="LoopHandle{TData}.Remove"/>, <see cref="LoopHandle{TData}.Enable"/>,
/// <see cref="LoopHandle{TData}.Disable"/> and <see cref="LoopHandle{TData}.Update"/>. Once the source is removed the
/// token is stale, and using it throws, even after its slot is reused by another source. A token names a source of
/// the loop that issued it only: another loop refuses it.
/// </summary>
public readonly struct RegistrationToken : IEquatable<RegistrationToken>
{
    internal RegistrationToken(int slot, int version, int loopId)
    {
        Slot = slot;
        Version = version;
        LoopId = loopId;
    }

    internal int Slot { get; }

    internal int Version { get; }

    /// <summary>The issuing loop's identity (never 0, so that <c>default</c> names no loop's source).</summary>
    internal int LoopId { get; }

    /// <inheritdoc/>
    public bool Equals(RegistrationToken other) => Slot == other.Slot && Version == other.Version && LoopId == other.LoopId;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is RegistrationToken other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Slot, Version, LoopId);

    /// <summary>Compares two tokens.</summary>
    public static bool operator ==(RegistrationToken left, RegistrationToken right) => left.Equals(right);

    /// <summary>Compares two tokens.</summary>
    public static bool operator !=(RegistrationToken left, RegistrationToken right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"RegistrationToken(slot {Slot}, version {Version}, loop {LoopId})";
}
