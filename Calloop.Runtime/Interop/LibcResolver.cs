using System;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Calloop.Interop;

/// <summary>
/// Points <see cref="Libc.Name"/> ("libc") at FreeBSD's <c>libc.so.7</c>: there <c>libc.so</c> is a linker script
/// that dlopen cannot load. Linux (<c>libc.so.6</c> through the runtime's probing) and macOS (<c>libc.dylib</c>, in
/// the shared cache) need nothing.
/// </summary>
internal static class LibcResolver
{
    private const string FreeBsdLibc = "libc.so.7";

#pragma warning disable CA2255 // A library initializer is the only place a DllImport resolver can be installed before the first P/Invoke.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Install()
    {
        if (OperatingSystem.IsFreeBSD())
        {
            NativeLibrary.SetDllImportResolver(typeof(LibcResolver).Assembly, Resolve);
        }
    }

    [ExcludeFromCodeCoverage(Justification = "FreeBSD only: installed as the resolver on FreeBSD alone; the tests run on Linux.")]
    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == Libc.Name && NativeLibrary.TryLoad(FreeBsdLibc, out IntPtr handle) ? handle : IntPtr.Zero;
}
