using System;

namespace Calloop.Sources;

/// <summary>One event from the poller: the readiness and the token it was registered with.</summary>
public readonly struct PollEvent : IEquatable<PollEvent>
{
    /// <summary>An event of <paramref name="readiness"/> for the registration of <paramref name="token"/>.</summary>
    public PollEvent(Readiness readiness, Token token)
    {
        Readiness = readiness;
        Token = token;
    }

    /// <summary>What the descriptor is ready for (<see cref="Readiness.None"/> for timers).</summary>
    public Readiness Readiness { get; }

    /// <summary>The token the descriptor or timer was registered with.</summary>
    public Token Token { get; }

    /// <inheritdoc/>
    public bool Equals(PollEvent other) => Readiness == other.Readiness && Token == other.Token;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PollEvent other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Readiness, Token);

    /// <summary>The readiness and the token, as in <c>Readable for Token(slot 2, version 1, sub-id 0)</c>.</summary>
    public override string ToString() => $"{Readiness} for {Token}";

    /// <summary>True when both have the same readiness and token.</summary>
    public static bool operator ==(PollEvent left, PollEvent right) => left.Equals(right);

    /// <summary>True when the readiness or the token differ.</summary>
    public static bool operator !=(PollEvent left, PollEvent right) => !left.Equals(right);
}
