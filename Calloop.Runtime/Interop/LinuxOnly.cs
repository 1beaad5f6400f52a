using System;
using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>The guard of the features built on Linux-only system calls (epoll, pidfd, inotify).</summary>
internal static class LinuxOnly
{
    /// <summary>Throws <see cref="PlatformNotSupportedException"/> naming <paramref name="feature"/> off Linux.</summary>
    /// <param name="feature">What needs Linux, for example "ChildExitSource (pidfd_open(2))".</param>
    /// <param name="alternative">What to use instead, or null.</param>
    internal static void Check(string feature, string? alternative = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            Throw(feature, alternative);
        }
    }

    /// <summary>The exception <see cref="Check"/> throws off Linux.</summary>
    internal static PlatformNotSupportedException Refusal(string feature, string? alternative) =>
        new($"{feature} needs Linux; this is {RuntimeInformation.OSDescription}." + (alternative is null ? string.Empty : " " + alternative));

    private static void Throw(string feature, string? alternative) => throw Refusal(feature, alternative);
}
