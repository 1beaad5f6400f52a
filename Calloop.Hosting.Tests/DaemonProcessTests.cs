using System;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Calloop.Hosting.Tests;

public partial class DaemonProcessTests
{
    private const int SIGTERM = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    private static string DaemonPath =>
        typeof(DaemonProcessTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "HostedDaemonPath").Value!;

    [Test]
    public async Task TheHostedDaemonExitsWithCodeZeroOnSigterm()
    {
        Assert.That(DaemonPath, Does.Exist);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(DaemonPath);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        var thirdReading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (output)
            {
                output.AppendLine(e.Data);
            }
            if (e.Data.Contains("Handled reading #3:", StringComparison.Ordinal))
            {
                thirdReading.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await thirdReading.Task.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.That(kill(process.Id, SIGTERM), Is.Zero);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        process.WaitForExit();
        string text;
        lock (output)
        {
            text = output.ToString();
        }
        Assert.That(process.ExitCode, Is.Zero, text);
        Assert.That(text, Does.Contain("Application is shutting down"));
        Assert.That(text, Does.Contain("Producer gone after"), "the channel's close, sent during shutdown, was delivered before the loop stopped");
        Assert.That(text, Does.Contain("Event loop daemon stopped; 0 posted items left unrun."));
        Assert.That(text, Does.Contain("HostedDaemon: exited cleanly"));
    }
}
