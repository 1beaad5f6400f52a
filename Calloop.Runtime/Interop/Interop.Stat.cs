using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>fstat(2), for the identity (device, inode) of the file a descriptor names.</summary>
internal static unsafe partial class Stat
{
    [LibraryImport(Libc.Name, EntryPoint = "fstat", SetLastError = true)]
    private static partial int FStat(int fd, byte* buffer);

    /// <summary>
    /// The (device, inode) pair of the file behind <paramref name="fd"/>, or null where it is not known: on Linux
    /// <c>struct stat</c> starts with <c>st_dev</c> and <c>st_ino</c>, 8 bytes each, on every 64-bit architecture;
    /// elsewhere the layout differs and null is returned.
    /// </summary>
    internal static (ulong Device, ulong Inode)? Identity(int fd)
    {
        if (!System.OperatingSystem.IsLinux() || sizeof(nint) != 8)
        {
            return null;
        }
        byte* buffer = stackalloc byte[256];
        if (FStat(fd, buffer) != 0)
        {
            return null;
        }
        return (*(ulong*)buffer, *(ulong*)(buffer + 8));
    }
}
