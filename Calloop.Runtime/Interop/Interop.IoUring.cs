using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>
/// io_uring(7) declarations: io_uring_setup, io_uring_enter and io_uring_register (made through <c>syscall(2)</c>: glibc has no wrappers), the ring
/// structures as the kernel lays them out (<c>include/uapi/linux/io_uring.h</c>) and <c>mmap</c>/<c>munmap</c> for
/// the rings. The system call numbers are the same on every 64-bit Linux architecture.
/// </summary>
internal static unsafe partial class IoUring
{
    internal const nint SysSetup = 425;
    internal const nint SysEnter = 426;
    internal const nint SysRegister = 427;

    // io_uring_register opcodes.
    internal const uint IORING_REGISTER_PROBE = 8;
    internal const uint IORING_REGISTER_PBUF_RING = 22;

    /// <summary>In a probe's per-opcode flags: this kernel supports the opcode.</summary>
    internal const ushort IO_URING_OP_SUPPORTED = 1;

    // Setup flags.
    internal const uint IORING_SETUP_CQSIZE = 1u << 3;
    internal const uint IORING_SETUP_CLAMP = 1u << 4;

    // Features reported by io_uring_setup.
    internal const uint IORING_FEAT_SINGLE_MMAP = 1u << 0;
    internal const uint IORING_FEAT_NODROP = 1u << 1;
    internal const uint IORING_FEAT_EXT_ARG = 1u << 8;
    internal const uint IORING_FEAT_RSRC_TAGS = 1u << 10;

    // io_uring_enter flags.
    internal const uint IORING_ENTER_GETEVENTS = 1u << 0;
    internal const uint IORING_ENTER_EXT_ARG = 1u << 3;

    // Flags the kernel sets in the submission ring.
    internal const uint IORING_SQ_CQ_OVERFLOW = 1u << 1;
    internal const uint IORING_SQ_TASKRUN = 1u << 2;

    // Opcodes.
    internal const byte IORING_OP_NOP = 0;
    internal const byte IORING_OP_POLL_ADD = 6;
    internal const byte IORING_OP_POLL_REMOVE = 7;
    internal const byte IORING_OP_TIMEOUT = 11;
    internal const byte IORING_OP_ASYNC_CANCEL = 14;
    internal const byte IORING_OP_READ_MULTISHOT = 49;

    /// <summary>Submission flag: the kernel picks the buffer from the group named by <see cref="Sqe.BufIndex"/>.</summary>
    internal const byte IOSQE_BUFFER_SELECT = 1 << 5;

    // POLL_ADD / POLL_REMOVE flags (in sqe.len).
    internal const uint IORING_POLL_ADD_MULTI = 1u << 0;

    // Completion flags.
    internal const uint IORING_CQE_F_BUFFER = 1u << 0;
    internal const uint IORING_CQE_F_MORE = 1u << 1;
    internal const int IORING_CQE_BUFFER_SHIFT = 16;

    // mmap offsets of the three regions.
    internal const long IORING_OFF_SQ_RING = 0;
    internal const long IORING_OFF_CQ_RING = 0x8000000;
    internal const long IORING_OFF_SQES = 0x10000000;

    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;
    internal const int MAP_SHARED = 0x01;
    internal const int MAP_POPULATE = 0x8000;

    internal const int ETIME = 62;
    internal const int ECANCELED = 125;
    internal const int EBUSY = 16;
    internal const int ENOBUFS = 105;

    /// <summary><c>struct io_sqring_offsets</c> (40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SqRingOffsets
    {
        internal uint Head;
        internal uint Tail;
        internal uint RingMask;
        internal uint RingEntries;
        internal uint Flags;
        internal uint Dropped;
        internal uint Array;
        internal uint Resv1;
        internal ulong UserAddr;
    }

    /// <summary><c>struct io_cqring_offsets</c> (40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CqRingOffsets
    {
        internal uint Head;
        internal uint Tail;
        internal uint RingMask;
        internal uint RingEntries;
        internal uint Overflow;
        internal uint Cqes;
        internal uint Flags;
        internal uint Resv1;
        internal ulong UserAddr;
    }

    /// <summary><c>struct io_uring_params</c> (120 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Params
    {
        internal uint SqEntries;
        internal uint CqEntries;
        internal uint Flags;
        internal uint SqThreadCpu;
        internal uint SqThreadIdle;
        internal uint Features;
        internal uint WqFd;
        internal uint Resv0;
        internal uint Resv1;
        internal uint Resv2;
        internal SqRingOffsets SqOff;
        internal CqRingOffsets CqOff;
    }

    /// <summary><c>struct io_uring_sqe</c> (64 bytes), with the union members this backend uses.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    internal struct Sqe
    {
        [FieldOffset(0)] internal byte Opcode;
        [FieldOffset(1)] internal byte Flags;
        [FieldOffset(2)] internal ushort IoPrio;
        [FieldOffset(4)] internal int Fd;
        /// <summary><c>off</c>: for a timeout, the completion count that ends it; for a read, the file offset (-1: the current position).</summary>
        [FieldOffset(8)] internal ulong Off;
        /// <summary><c>addr</c>: the timespec of a timeout, the user_data a poll removal or a cancellation targets, a read's buffer.</summary>
        [FieldOffset(16)] internal ulong Addr;
        /// <summary><c>len</c>: poll flags (multishot), 1 for a timeout, a read's length.</summary>
        [FieldOffset(24)] internal uint Len;
        /// <summary><c>poll32_events</c> / <c>timeout_flags</c> (the op-specific flags word).</summary>
        [FieldOffset(28)] internal uint OpFlags;
        [FieldOffset(32)] internal ulong UserData;
        [FieldOffset(40)] internal ushort BufIndex;
        [FieldOffset(42)] internal ushort Personality;
        [FieldOffset(44)] internal int SpliceFdIn;
        [FieldOffset(48)] internal ulong Addr3;
        [FieldOffset(56)] internal ulong Pad2;
    }

    /// <summary><c>struct io_uring_cqe</c> (16 bytes; this backend does not ask for 32-byte completions).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Cqe
    {
        internal ulong UserData;
        internal int Res;
        internal uint Flags;
    }

    /// <summary><c>struct io_uring_buf</c> (16 bytes): one entry of a provided-buffer ring. The first entry's
    /// <see cref="Resv"/> is the ring's tail.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Buf
    {
        internal ulong Addr;
        internal uint Len;
        internal ushort Bid;
        internal ushort Resv;
    }

    /// <summary><c>struct io_uring_buf_reg</c> (40 bytes), passed with IORING_REGISTER_PBUF_RING.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BufReg
    {
        internal ulong RingAddr;
        internal uint RingEntries;
        internal ushort Bgid;
        internal ushort Flags;
        internal ulong Resv0;
        internal ulong Resv1;
        internal ulong Resv2;
    }

    /// <summary><c>struct io_uring_getevents_arg</c> (24 bytes), passed with IORING_ENTER_EXT_ARG.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct GeteventsArg
    {
        internal ulong Sigmask;
        internal uint SigmaskSize;
        internal uint Pad;
        internal ulong Ts;
    }

    // No SetLastError: errno is read right after a failed call (see Syscall).
    [LibraryImport(Libc.Name, EntryPoint = "syscall")]
    private static partial nint Invoke6(nint number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    /// <summary>prctl's option that returns the calling thread's timer slack in nanoseconds.</summary>
    internal const int PR_GET_TIMERSLACK = 30;

    /// <summary>prctl(2) with an option that takes no argument (the rest are passed as zero).</summary>
    [LibraryImport(Libc.Name, EntryPoint = "prctl")]
    internal static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Libc.Name, EntryPoint = "mmap", SetLastError = true)]
    internal static partial void* Mmap(void* address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Libc.Name, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(void* address, nuint length);

    /// <summary>io_uring_setup(2): the ring's descriptor, or minus the errno.</summary>
    internal static int Setup(uint entries, Params* p) => (int)Call(SysSetup, (nint)entries, (nint)p, 0, 0, 0, 0);

    /// <summary>io_uring_enter(2): how many submissions were consumed (or completions waited for), or minus the errno.</summary>
    internal static int Enter(int fd, uint toSubmit, uint minComplete, uint flags, void* arg, nuint argSize) =>
        (int)Call(SysEnter, fd, (nint)toSubmit, (nint)minComplete, (nint)flags, (nint)arg, (nint)argSize);

    /// <summary>io_uring_register(2): 0 (or a positive count) on success, or minus the errno.</summary>
    internal static int Register(int fd, uint opcode, void* arg, uint nrArgs) =>
        (int)Call(SysRegister, fd, (nint)opcode, (nint)arg, (nint)nrArgs, 0, 0);

    /// <summary>True when the ring's kernel supports <paramref name="opcode"/> (IORING_REGISTER_PROBE).</summary>
    internal static bool Supports(int fd, byte opcode)
    {
        const int Ops = 256;
        const int Header = 16;
        const int OpSize = 8;
        byte* probe = stackalloc byte[Header + Ops * OpSize];
        new System.Span<byte>(probe, Header + Ops * OpSize).Clear();
        if (Register(fd, IORING_REGISTER_PROBE, probe, Ops) < 0 || probe[0] < opcode)
        {
            return false;
        }
        ushort flags = *(ushort*)(probe + Header + opcode * OpSize + 2);
        return (flags & IO_URING_OP_SUPPORTED) != 0;
    }

    private static nint Call(nint number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6)
    {
        nint n = Invoke6(number, a1, a2, a3, a4, a5, a6);
        return n >= 0 ? n : -Marshal.GetLastSystemError();
    }
}
