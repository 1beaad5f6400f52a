namespace Calloop;

/// <summary>How a file descriptor's readiness is reported.</summary>
public enum Mode
{
    /// <summary>Reported at every poll while the descriptor stays ready.</summary>
    Level,

    /// <summary>Reported once each time the descriptor becomes ready.</summary>
    Edge,

    /// <summary>Reported once; the source must be re-registered (<see cref="PostAction.Reregister"/>) to be reported again.</summary>
    OneShot,
}
