using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Calloop.Interop;

/// <summary>
/// A cross-thread notification descriptor: any thread <see cref="Add"/>s a value, the consuming thread polls
/// <see cref="ReadFd"/> and <see cref="Take"/>s the sum. On Linux it is one eventfd (an 8-byte counter; the read
/// and write descriptor are the same). Elsewhere it is a non-blocking pipe carrying one byte per
/// <see cref="Add"/>, whose value is that byte.
/// </summary>
/// <remarks>
/// The pipe never loses a value: when it is full, the value goes to an overflow counter that <see cref="Take"/>
/// adds to the bytes it read, and a zero byte is written after it. Either that byte gets in (the reader is woken and
/// collects the overflow), or the pipe is full again, so the reader has not yet drained it, and its next
/// <see cref="Take"/> reads the overflow after draining.
/// </remarks>
internal sealed unsafe class NotifyFd : IDisposable
{
    /// <summary>The largest value one <see cref="Add"/> may carry, the pipe's one byte.</summary>
    internal const ulong MaxAdd = byte.MaxValue;

    private const int DrainChunk = 128;

    private readonly FdHandle _read;
    private readonly FdHandle? _write;
    private long _overflow;

    /// <param name="what">What the notifier is for, as error messages name it (for example "ping").</param>
    /// <exception cref="CalloopException">The eventfd or pipe could not be created.</exception>
    internal NotifyFd(string what)
    {
        if (UsePipe)
        {
            (_read, _write) = Pipes.Create($"pipe ({what})");
        }
        else
        {
            _read = EventFd.CreateHandle($"eventfd ({what})");
        }
    }

    /// <summary>
    /// True when new notifiers are pipes: everywhere but Linux. Chosen once at start-up; tests on Linux set it to
    /// exercise the pipe implementation.
    /// </summary>
    internal static bool UsePipe { get; set; } = !OperatingSystem.IsLinux();

    /// <summary>The descriptor to register with the poller (readable while something was added and not taken).</summary>
    internal int ReadFd => _read.Fd;

    /// <summary>Values a full pipe could not take, waiting for the next <see cref="Take"/> (tests read it).</summary>
    internal long PendingOverflow => Volatile.Read(ref _overflow);

    /// <summary>True for the pipe implementation.</summary>
    internal bool IsPipe => _write is not null;

    /// <summary>
    /// Adds <paramref name="value"/> (at most <see cref="MaxAdd"/>, else <see cref="ArgumentOutOfRangeException"/>) and makes <see cref="ReadFd"/> readable.
    /// Thread-safe; never blocks. A no-op once disposed: the descriptor cannot be closed, and its number reused,
    /// during the write.
    /// </summary>
    /// <exception cref="CalloopException">The write failed for a reason other than a full counter or pipe.</exception>
    internal void Add(ulong value, string operation)
    {
        if (value > MaxAdd)
        {
            // Checked for both implementations, so that a value the pipe could not carry fails on Linux too.
            ThrowTooLarge(value, operation);
        }
        FdHandle target = _write ?? _read;
        bool added = false;
        try
        {
            target.DangerousAddRef(ref added);
            Write(target.Fd, value, operation);
        }
        catch (ObjectDisposedException)
        {
            // Closed: nothing is left to wake.
        }
        finally
        {
            if (added)
            {
                target.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Drains the descriptor, on the consuming thread, and returns the sum of the values added since the last
    /// call (0 when nothing was).
    /// </summary>
    /// <exception cref="CalloopException">The read failed (EBADF once disposed, ...).</exception>
    internal ulong Take(string operation)
    {
        if (_write is null)
        {
            return Libc.ReadCounter(_read.Fd, out ulong value, operation) ? value : 0;
        }
        return TakePipe(operation);
    }

    public void Dispose()
    {
        _write?.Dispose();
        _read.Dispose();
    }

    /// <summary>
    /// The write itself, kept out of <see cref="Add"/>'s try region: the JIT does not inline a P/Invoke inside a try
    /// region (it calls a marshalling stub instead).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void Write(int fd, ulong value, string operation)
    {
        if (_write is null)
        {
            Libc.WriteCounter(fd, value, operation);
        }
        else
        {
            WriteByte(fd, value, operation);
        }
    }

    private void WriteByte(int fd, ulong value, string operation)
    {
        byte b = (byte)value;
        while (true)
        {
            nint n = Libc.Write(fd, &b, 1);
            if (n == 1)
            {
                return;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (n < 0 && errno == Libc.EINTR)
            {
                continue;
            }
            if (n < 0 && errno == Libc.EAGAIN)
            {
                if (b == 0)
                {
                    // Full again: the reader has bytes to drain and collects the overflow after them.
                    return;
                }
                Interlocked.Add(ref _overflow, b);
                b = 0;
                continue;
            }
            throw CalloopException.FromErrno(operation, fd, n < 0 ? errno : Libc.EINVAL);
        }
    }

    private static void ThrowTooLarge(ulong value, string operation) =>
        throw new ArgumentOutOfRangeException(nameof(value), value, $"{operation}: a notifier carries at most {MaxAdd} per write (one pipe byte).");

    private ulong TakePipe(string operation)
    {
        int fd = _read.Fd;
        byte* buffer = stackalloc byte[DrainChunk];
        ulong sum = 0;
        while (true)
        {
            nint n = Libc.Read(fd, buffer, DrainChunk);
            if (n > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    sum += buffer[i];
                }
                if (n < DrainChunk)
                {
                    break;
                }
                continue;
            }
            if (n == 0)
            {
                // End of file: cannot happen while this notifier owns the write end.
                break;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                continue;
            }
            if (errno == Libc.EAGAIN)
            {
                break;
            }
            throw CalloopException.FromErrno(operation, fd, errno);
        }
        if (Volatile.Read(ref _overflow) != 0)
        {
            sum += (ulong)Interlocked.Exchange(ref _overflow, 0);
        }
        return sum;
    }
}
