using System;
using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>
/// kqueue(2) / kevent(2) declarations for macOS and FreeBSD, written against the documented
/// <c>&lt;sys/event.h&gt;</c> of each. Not exercised by CI, which runs on Linux; the layouts are checked by tests.
/// </summary>
internal static unsafe partial class Kqueue
{
    // Filters and flags: the same values on macOS and FreeBSD.
    internal const short EVFILT_READ = -1;
    internal const short EVFILT_WRITE = -2;

    internal const ushort EV_ADD = 0x0001;
    internal const ushort EV_DELETE = 0x0002;
    internal const ushort EV_ENABLE = 0x0004;
    internal const ushort EV_ONESHOT = 0x0010;
    internal const ushort EV_CLEAR = 0x0020;
    internal const ushort EV_RECEIPT = 0x0040;
    internal const ushort EV_ERROR = 0x4000;
    internal const ushort EV_EOF = 0x8000;

    /// <summary>True where <c>struct kevent</c> has FreeBSD 12's 64-byte layout; false for macOS's 32-byte one.</summary>
    internal static readonly bool IsFreeBsdLayout = OperatingSystem.IsFreeBSD();

    /// <summary>Access to one <c>struct kevent</c> layout, so that the backend is written once for both.</summary>
    internal interface IEvent<TSelf>
        where TSelf : unmanaged, IEvent<TSelf>
    {
        /// <summary>A change-list entry: <paramref name="udata"/> carries the token.</summary>
        static abstract TSelf Change(int fd, short filter, ushort flags, ulong udata);

        short Filter { get; }

        ushort Flags { get; }

        uint FilterFlags { get; }

        long Data { get; }

        ulong UserData { get; }
    }

    /// <summary>
    /// <c>struct kevent</c> on macOS (64-bit): ident (uintptr_t), filter (int16_t), flags (uint16_t), fflags
    /// (uint32_t), data (intptr_t), udata (void*): 32 bytes.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MacEvent : IEvent<MacEvent>
    {
        internal nuint Ident;
        internal short FilterValue;
        internal ushort FlagsValue;
        internal uint FFlags;
        internal nint DataValue;
        internal nuint UData;

        public static MacEvent Change(int fd, short filter, ushort flags, ulong udata) =>
            new() { Ident = (nuint)fd, FilterValue = filter, FlagsValue = flags, UData = (nuint)udata };

        public readonly short Filter => FilterValue;

        public readonly ushort Flags => FlagsValue;

        public readonly uint FilterFlags => FFlags;

        public readonly long Data => DataValue;

        public readonly ulong UserData => UData;
    }

    /// <summary>
    /// <c>struct kevent</c> on FreeBSD 12 and later (64-bit): ident (uintptr_t), filter (short), flags (unsigned
    /// short), fflags (unsigned int), data (int64_t), udata (void*), ext[4] (uint64_t): 64 bytes.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FreeBsdEvent : IEvent<FreeBsdEvent>
    {
        internal nuint Ident;
        internal short FilterValue;
        internal ushort FlagsValue;
        internal uint FFlags;
        internal long DataValue;
        internal nuint UData;
        internal fixed ulong Ext[4];

        public static FreeBsdEvent Change(int fd, short filter, ushort flags, ulong udata) =>
            new() { Ident = (nuint)fd, FilterValue = filter, FlagsValue = flags, UData = (nuint)udata };

        public readonly short Filter => FilterValue;

        public readonly ushort Flags => FlagsValue;

        public readonly uint FilterFlags => FFlags;

        public readonly long Data => DataValue;

        public readonly ulong UserData => UData;
    }

    [LibraryImport(Libc.Name, EntryPoint = "kqueue", SetLastError = true)]
    internal static partial int Create();

    [LibraryImport(Libc.Name, EntryPoint = "kevent", SetLastError = true)]
    internal static partial int Kevent(int kq, void* changes, int nchanges, void* events, int nevents, Timespec* timeout);
}
