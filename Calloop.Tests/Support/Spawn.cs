using System;
using System.Runtime.InteropServices;

namespace Calloop.Tests.Support;

/// <summary>Starts a child with posix_spawnp, outside System.Diagnostics.Process (whose children the runtime reaps).</summary>
internal static unsafe partial class Spawn
{
    [LibraryImport("libc", EntryPoint = "posix_spawnp")]
    private static partial int PosixSpawnP(int* pid, byte* file, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int WaitPid(int pid, int* status, int options);

    /// <summary>Starts <paramref name="args"/>[0] (looked up in PATH) with an empty environment; returns its pid.</summary>
    internal static int Start(params string[] args)
    {
        var argv = new IntPtr[args.Length + 1];
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                argv[i] = Marshal.StringToHGlobalAnsi(args[i]);
            }
            byte* envp = null;
            int pid;
            fixed (IntPtr* a = argv)
            {
                int rc = PosixSpawnP(&pid, (byte*)argv[0], null, null, (byte**)a, &envp);
                if (rc != 0)
                {
                    throw new InvalidOperationException($"posix_spawnp({args[0]}) failed: errno {rc}");
                }
            }
            return pid;
        }
        finally
        {
            foreach (IntPtr p in argv)
            {
                if (p != IntPtr.Zero)
                {
                    Marshal.FreeHGlobal(p);
                }
            }
        }
    }

    /// <summary>Reaps a child the test no longer watches.</summary>
    internal static void Reap(int pid)
    {
        int status;
        WaitPid(pid, &status, 0);
    }
}
