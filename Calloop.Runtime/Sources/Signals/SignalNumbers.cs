using System.Runtime.InteropServices;

namespace Calloop;

/// <summary>Maps <see cref="PosixSignal"/> values (named members are negative) to and from Linux signal numbers.</summary>
internal static class SignalNumbers
{
    internal const int Max = 64;

    /// <summary>The Linux number of <paramref name="signal"/>, or 0 when it names none.</summary>
    /// <remarks>Named <see cref="PosixSignal"/> members are negative (SIGHUP = -1 ... SIGTSTP = -10); raw numbers are positive.</remarks>
    internal static int ToNumber(PosixSignal signal) => (int)signal switch
    {
        -1 => 1, // SIGHUP
        -2 => 2, // SIGINT
        -3 => 3, // SIGQUIT
        -4 => 15, // SIGTERM
        -5 => 17, // SIGCHLD
        -6 => 18, // SIGCONT
        -7 => 28, // SIGWINCH
        -8 => 21, // SIGTTIN
        -9 => 22, // SIGTTOU
        -10 => 20, // SIGTSTP
        >= 1 and <= Max => (int)signal,
        _ => 0,
    };

    internal static PosixSignal ToPosixSignal(int number) => (PosixSignal)(number switch
    {
        1 => -1, // SIGHUP
        2 => -2, // SIGINT
        3 => -3, // SIGQUIT
        15 => -4, // SIGTERM
        17 => -5, // SIGCHLD
        18 => -6, // SIGCONT
        28 => -7, // SIGWINCH
        21 => -8, // SIGTTIN
        22 => -9, // SIGTTOU
        20 => -10, // SIGTSTP
        _ => number,
    });

    internal static string Describe(int number) => number switch
    {
        1 => "SIGHUP (1)",
        2 => "SIGINT (2)",
        3 => "SIGQUIT (3)",
        9 => "SIGKILL (9)",
        10 => "SIGUSR1 (10)",
        12 => "SIGUSR2 (12)",
        14 => "SIGALRM (14)",
        15 => "SIGTERM (15)",
        17 => "SIGCHLD (17)",
        19 => "SIGSTOP (19)",
        _ => $"signal {number}",
    };
}
