using System;

namespace Calloop.Sources;

/// <summary>
/// Identifies one registration with the poller: the source's slot in the loop, the slot's version and a
/// sub-id handed out by a <see cref="TokenFactory"/>, so that a source registering several descriptors
/// can tell its events apart. Packed into the 64 bits the kernel returns with each event.
/// </summary>
public readonly struct Token : IEquatable<Token>
{
    internal const int SlotBits = 24;
    internal const int VersionBits = 24;
    internal const int SubIdBits = 16;
    internal const int MaxSlot = (1 << SlotBits) - 1;
    internal const int VersionMask = (1 << VersionBits) - 1;

    internal Token(ulong value) => Value = value;

    internal Token(int slot, int version, int subId)
        => Value = ((ulong)(uint)slot << (VersionBits + SubIdBits)) | ((ulong)(uint)(version & VersionMask) << SubIdBits) | (ushort)subId;

    /// <summary>The packed value, as passed to and returned by the kernel.</summary>
    internal ulong Value { get; }

    internal int Slot => (int)(Value >> (VersionBits + SubIdBits));

    internal int Version => (int)((Value >> SubIdBits) & VersionMask);

    /// <summary>The sub-id within the registering source.</summary>
    public int SubId => (int)(Value & 0xFFFF);

    /// <inheritdoc/>
    public bool Equals(Token other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Token t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <summary>Compares two tokens.</summary>
    public static bool operator ==(Token left, Token right) => left.Equals(right);

    /// <summary>Compares two tokens.</summary>
    public static bool operator !=(Token left, Token right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"Token(slot {Slot}, version {Version}, sub-id {SubId})";
}
