using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Calloop.Generators.Tests.Support;

/// <summary>
/// Approved-file snapshots: <c>Snapshots/{name}.approved.txt</c> holds the accepted output. A mismatch writes
/// <c>{name}.received.txt</c> beside it and fails; set <c>CALLOOP_ACCEPT_SNAPSHOTS=1</c> to accept the received output.
/// </summary>
internal static partial class Snapshot
{
    private static readonly string Directory = typeof(Snapshot).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "SnapshotDirectory").Value!;

    internal static void Match(string name, string actual)
    {
        string normalized = Normalize(actual);
        string approvedPath = Path.Combine(Directory, name + ".approved.txt");
        string receivedPath = Path.Combine(Directory, name + ".received.txt");
        if (Environment.GetEnvironmentVariable("CALLOOP_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(approvedPath, normalized);
            File.Delete(receivedPath);
            return;
        }
        string? approved = File.Exists(approvedPath) ? Normalize(File.ReadAllText(approvedPath)) : null;
        if (approved == normalized)
        {
            File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, normalized);
        Assert.Fail(approved is null
            ? $"No approved snapshot {approvedPath}; the output is in {receivedPath}."
            : $"The output differs from {approvedPath}; see {receivedPath}.");
    }

    /// <summary>Line endings become <c>\n</c>; the generator's version in [GeneratedCode] becomes a placeholder.</summary>
    internal static string Normalize(string text) =>
        VersionPattern().Replace(text.Replace("\r\n", "\n"), "GeneratedCode(\"Calloop.Generators\", \"{version}\")");

    [GeneratedRegex("GeneratedCode\\(\"Calloop\\.Generators\", \"[^\"]*\"\\)")]
    private static partial Regex VersionPattern();
}
