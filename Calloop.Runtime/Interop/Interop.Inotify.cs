using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>inotify(7) declarations.</summary>
internal static partial class Inotify
{
    internal const int IN_NONBLOCK = 0x800;
    internal const int IN_CLOEXEC = 0x80000;

    /// <summary>Size of <c>struct inotify_event</c> without its name: wd, mask, cookie, len.</summary>
    internal const int EventHeaderSize = 16;

    [LibraryImport(Libc.Name, EntryPoint = "inotify_init1", SetLastError = true)]
    internal static partial int Init1(int flags);

    [LibraryImport(Libc.Name, EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int AddWatch(int fd, string path, uint mask);

    [LibraryImport(Libc.Name, EntryPoint = "inotify_rm_watch", SetLastError = true)]
    internal static partial int RemoveWatch(int fd, int wd);
}
