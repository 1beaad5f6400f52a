using System;

namespace Calloop;

/// <summary>No value: the event or metadata of sources that carry none (a ping's event, a timer's metadata).</summary>
public readonly struct Unit : IEquatable<Unit>
{
    /// <inheritdoc/>
    public bool Equals(Unit other) => true;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Unit;

    /// <inheritdoc/>
    public override int GetHashCode() => 0;

    /// <summary>Always true.</summary>
    public static bool operator ==(Unit left, Unit right) => true;

    /// <summary>Always false.</summary>
    public static bool operator !=(Unit left, Unit right) => false;

    /// <inheritdoc/>
    public override string ToString() => "()";
}
