using System;

namespace Calloop;

/// <summary>A source in a loop, as listed by <see cref="LoopHandle{TData}.GetSources"/>.</summary>
public readonly struct SourceInfo : IEquatable<SourceInfo>
{
    internal SourceInfo(RegistrationToken token, string? name, string kind, bool enabled, ErrorPolicy? errorPolicy)
    {
        Token = token;
        Name = name;
        Kind = kind;
        Enabled = enabled;
        ErrorPolicy = errorPolicy;
    }

    /// <summary>The source's registration token.</summary>
    public RegistrationToken Token { get; }

    /// <summary>The name given when it was inserted, if any.</summary>
    public string? Name { get; }

    /// <summary>The source's type name, such as <c>TimerSource</c> or <c>Generic&lt;Socket&gt;</c>.</summary>
    public string Kind { get; }

    /// <summary>False while the source is disabled.</summary>
    public bool Enabled { get; }

    /// <summary>The source's own error policy, or null when it follows the loop's.</summary>
    public ErrorPolicy? ErrorPolicy { get; }

    /// <inheritdoc/>
    public bool Equals(SourceInfo other) =>
        Token == other.Token && Name == other.Name && Kind == other.Kind && Enabled == other.Enabled && Equals(ErrorPolicy, other.ErrorPolicy);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SourceInfo other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Token, Name, Kind, Enabled, ErrorPolicy);

    /// <summary>The kind, the name and the token, as in <c>TimerSource "tick" (RegistrationToken(...)), disabled</c>.</summary>
    public override string ToString() =>
        $"{Kind}{(Name is null ? "" : $" \"{Name}\"")} ({Token}){(Enabled ? "" : ", disabled")}{(ErrorPolicy is null ? "" : $", policy {ErrorPolicy}")}";

    /// <summary>True when every field is equal.</summary>
    public static bool operator ==(SourceInfo left, SourceInfo right) => left.Equals(right);

    /// <summary>True when any field differs.</summary>
    public static bool operator !=(SourceInfo left, SourceInfo right) => !left.Equals(right);
}
