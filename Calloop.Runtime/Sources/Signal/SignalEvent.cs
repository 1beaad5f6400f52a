using System.Runtime.InteropServices;

namespace Calloop;

/// <summary>A signal the process received, delivered by a <see cref="SignalSource"/> on the loop's thread.</summary>
public readonly struct SignalEvent
{
    internal SignalEvent(int number) => Number = number;

    /// <summary>The Linux signal number (2 for SIGINT, 10 for SIGUSR1, ...).</summary>
    public int Number { get; }

    /// <summary>
    /// The signal as a <see cref="PosixSignal"/>: a named member where .NET has one (SIGINT, SIGTERM, ...), otherwise
    /// the raw number cast to <see cref="PosixSignal"/>.
    /// </summary>
    public PosixSignal Signal => SignalNumbers.ToPosixSignal(Number);

    /// <inheritdoc/>
    public override string ToString() => SignalNumbers.Describe(Number);
}
