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

    protected override bool ReleaseHandle() => Libc.Close((int)handle.ToInt64()) == 0;
}
