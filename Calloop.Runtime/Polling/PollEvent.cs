namespace Calloop;

/// <summary>One event from the poller: the readiness and the token it was registered with.</summary>
/// <param name="Readiness">What the descriptor is ready for (<see cref="Readiness.None"/> for timers).</param>
/// <param name="Token">The token the descriptor or timer was registered with.</param>
public readonly record struct PollEvent(Readiness Readiness, Token Token);
