using System;
using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>Owns one file descriptor and closes it when released.</summary>
internal sealed class FdHandle : SafeHandle
{
    internal FdHandle(int fd) : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The descriptor number (valid until the handle is disposed).</summary>
    internal int Fd => (int)handle.ToInt64();

    /// <summary>
    /// Adds <paramref name="value"/> to the eventfd counter this handle owns, unless the handle was closed (then the
    /// reader is gone and there is nobody to notify). Safe against a concurrent dispose: the descriptor cannot be
    /// closed, and its number reused, during the write.
    /// </summary>
    internal void WriteCounterIfOpen(ulong value, string operation)
    {
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
            Libc.WriteCounter(Fd, value, operation);
        }
        catch (ObjectDisposedException)
        {
            // Closed: nothing is left to wake.
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    protected override bool ReleaseHandle() => Libc.Close((int)handle.ToInt64()) == 0;
}
