namespace HostedDaemon;

/// <summary>A measurement sent by <see cref="ReadingProducer"/>.</summary>
/// <param name="Sequence">The reading's number, from 1.</param>
/// <param name="Celsius">The value read.</param>
public readonly record struct Reading(int Sequence, double Celsius);
