using System;

namespace Calloop;

/// <summary>What a <see cref="FileWatchSource"/> watches for, and what happened (the inotify event mask).</summary>
[Flags]
public enum FileWatchKinds : uint
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>A file was read.</summary>
    Access = 0x1,

    /// <summary>A file was written.</summary>
    Modify = 0x2,

    /// <summary>Metadata changed (permissions, timestamps, links, ...).</summary>
    Attributes = 0x4,

    /// <summary>A file opened for writing was closed.</summary>
    CloseWrite = 0x8,

    /// <summary>A file not opened for writing was closed.</summary>
    CloseNoWrite = 0x10,

    /// <summary>A file was opened.</summary>
    Open = 0x20,

    /// <summary>A file was moved out of the watched directory (pair it with <see cref="MovedTo"/> by cookie).</summary>
    MovedFrom = 0x40,

    /// <summary>A file was moved into the watched directory.</summary>
    MovedTo = 0x80,

    /// <summary>A file or directory was created in the watched directory.</summary>
    Create = 0x100,

    /// <summary>A file or directory was deleted from the watched directory.</summary>
    Delete = 0x200,

    /// <summary>The watched path itself was deleted.</summary>
    DeleteSelf = 0x400,

    /// <summary>The watched path itself was moved.</summary>
    MoveSelf = 0x800,

    /// <summary>Both move kinds.</summary>
    Move = MovedFrom | MovedTo,

    /// <summary>Every kind above.</summary>
    All = 0xFFF,

    /// <summary>Reported only: the file system holding the watched path was unmounted.</summary>
    Unmounted = 0x2000,

    /// <summary>Reported only: the kernel's event queue overflowed and events were lost (no watch is named).</summary>
    QueueOverflow = 0x4000,

    /// <summary>Reported only: the watch is gone (removed, or its path deleted or unmounted).</summary>
    WatchRemoved = 0x8000,

    /// <summary>Reported only: the event concerns a directory.</summary>
    IsDirectory = 0x40000000,
}
