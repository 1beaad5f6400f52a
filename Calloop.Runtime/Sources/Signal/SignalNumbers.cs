using System;
using System.Runtime.InteropServices;

namespace Calloop;

/// <summary>
/// Maps <see cref="PosixSignal"/> values (named members are negative) to and from the system's signal numbers:
/// Linux's, or the BSD numbering macOS and FreeBSD share.
/// </summary>
internal static class SignalNumbers
{
    internal const int Max = 64;

    private static readonly bool s_bsd = OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    // The numbers that differ between Linux and the BSDs (SIGHUP, SIGINT, SIGQUIT, SIGKILL, SIGALRM, SIGTERM,
    // SIGTTIN, SIGTTOU and SIGWINCH do not).
    private static readonly int s_usr1 = s_bsd ? 30 : 10;
    private static readonly int s_usr2 = s_bsd ? 31 : 12;
    private static readonly int s_chld = s_bsd ? 20 : 17;
    private static readonly int s_cont = s_bsd ? 19 : 18;
    private static readonly int s_stop = s_bsd ? 17 : 19;
    private static readonly int s_tstp = s_bsd ? 18 : 20;

    /// <summary>SIGKILL: the same number everywhere.</summary>
    internal const int Kill = 9;

    /// <summary>SIGSTOP on this system.</summary>
    internal static int Stop => s_stop;

    /// <summary>This system's number of <paramref name="signal"/>, or 0 when it names none.</summary>
    /// <remarks>Named <see cref="PosixSignal"/> members are negative (SIGHUP = -1 ... SIGTSTP = -10); raw numbers are positive.</remarks>
    internal static int ToNumber(PosixSignal signal) => (int)signal switch
    {
        -1 => 1, // SIGHUP
        -2 => 2, // SIGINT
        -3 => 3, // SIGQUIT
        -4 => 15, // SIGTERM
        -5 => s_chld, // SIGCHLD
        -6 => s_cont, // SIGCONT
        -7 => 28, // SIGWINCH
        -8 => 21, // SIGTTIN
        -9 => 22, // SIGTTOU
        -10 => s_tstp, // SIGTSTP
        >= 1 and <= Max => (int)signal,
        _ => 0,
    };

    internal static PosixSignal ToPosixSignal(int number)
    {
        int named = number switch
        {
            1 => -1, // SIGHUP
            2 => -2, // SIGINT
            3 => -3, // SIGQUIT
            15 => -4, // SIGTERM
            28 => -7, // SIGWINCH
            21 => -8, // SIGTTIN
            22 => -9, // SIGTTOU
            _ => 0,
        };
        if (named == 0)
        {
            named = number == s_chld ? -5 : number == s_cont ? -6 : number == s_tstp ? -10 : number;
        }
        return (PosixSignal)named;
    }

    internal static string Describe(int number)
    {
        string? name = number switch
        {
            1 => "SIGHUP",
            2 => "SIGINT",
            3 => "SIGQUIT",
            Kill => "SIGKILL",
            14 => "SIGALRM",
            15 => "SIGTERM",
            _ => null,
        };
        name ??= number == s_usr1 ? "SIGUSR1"
            : number == s_usr2 ? "SIGUSR2"
            : number == s_chld ? "SIGCHLD"
            : number == s_stop ? "SIGSTOP"
            : null;
        return name is null ? $"signal {number}" : $"{name} ({number})";
    }
}
