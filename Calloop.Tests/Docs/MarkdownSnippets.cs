using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Calloop.Tests.Docs;

/// <summary>One fenced C# block of a Markdown file.</summary>
/// <param name="File">The file, relative to the repository root.</param>
/// <param name="Line">The line of the opening fence (1-based).</param>
/// <param name="Code">The block's text.</param>
/// <param name="IsFragment">Marked <c>```csharp fragment</c>: an excerpt that is not meant to compile.</param>
/// <param name="Context">The file's snippet context, or null: the code the block is compiled inside.</param>
public sealed record MarkdownSnippet(string File, int Line, string Code, bool IsFragment, string? Context)
{
    /// <summary>Where the context takes the block.</summary>
    public const string Placeholder = "/*snippet*/";

    /// <inheritdoc/>
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>Finds the C# blocks of README.md, the package README and docs/*.md.</summary>
/// <remarks>
/// A block compiles on its own unless its file declares a context, an HTML comment that the rendered page hides:
/// <c>&lt;!-- snippet context:</c> C# code with a <c>/*snippet*/</c> line <c>--&gt;</c>. Every block of that file is
/// then compiled in place of the placeholder, so the names a page takes for granted (<c>handle</c>, <c>app</c>) are
/// declared once (as static members imported with <c>using static</c>, which a block may shadow with its own locals),
/// except a block that starts with a using directive, which is a whole file. A block marked <c>```csharp fragment</c> is an excerpt (it elides code with <c>...</c>) and is not
/// compiled.
/// </remarks>
public static class MarkdownSnippets
{
    private const string ContextStart = "<!-- snippet context:";

    private static readonly Regex UsingDirective = new(@"^using (static )?[A-Za-z_][\w.]*( = [\w.]+)?;", RegexOptions.CultureInvariant);

    /// <summary>Gets the repository root the test assembly was built from.</summary>
    public static string RepositoryRoot { get; } = Metadata("CalloopRepositoryRoot");

    /// <summary>Gets the path of the built source generator.</summary>
    public static string GeneratorPath { get; } = Metadata("CalloopGeneratorPath");

    /// <summary>Gets the Markdown files whose C# blocks must compile, relative to the repository root.</summary>
    public static IReadOnlyList<string> Files { get; } =
    [
        "README.md",
        "Calloop.Runtime/Package/README.md",
        .. Directory.GetFiles(Path.Combine(RepositoryRoot, "docs"), "*.md")
            .Select(f => Path.GetRelativePath(RepositoryRoot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>Reads every C# block of <see cref="Files"/>.</summary>
    public static IEnumerable<MarkdownSnippet> All() => Files.SelectMany(Read);

    /// <summary>Reads the C# blocks of one file.</summary>
    public static IEnumerable<MarkdownSnippet> Read(string relativePath)
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot, relativePath));
        string? context = ReadContext(lines);
        for (int i = 0; i < lines.Length; i++)
        {
            string trimmed = lines[i].TrimStart();
            if (!trimmed.StartsWith("```csharp", StringComparison.Ordinal))
            {
                continue;
            }
            string info = trimmed["```csharp".Length..].Trim();
            if (info is not ("" or "fragment"))
            {
                throw new FormatException($"{relativePath}:{i + 1}: unknown fence \"{trimmed}\" (```csharp or ```csharp fragment)");
            }
            int indent = lines[i].Length - trimmed.Length;
            int start = i;
            var code = new List<string>();
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
            {
                code.Add(lines[i].Length >= indent ? lines[i][indent..] : lines[i].TrimStart());
            }
            if (i == lines.Length)
            {
                throw new FormatException($"{relativePath}:{start + 1}: the block is not closed");
            }
            // A block that starts with a using directive is a whole file: it is compiled alone.
            bool wholeFile = code.Count > 0 && UsingDirective.IsMatch(code[0]);
            yield return new MarkdownSnippet(relativePath, start + 1, string.Join('\n', code), info == "fragment", wholeFile ? null : context);
        }
    }

    private static string? ReadContext(string[] lines)
    {
        int start = Array.FindIndex(lines, l => l.StartsWith(ContextStart, StringComparison.Ordinal));
        if (start < 0)
        {
            return null;
        }
        int end = Array.FindIndex(lines, start, l => l.Trim() == "-->");
        if (end < 0)
        {
            throw new FormatException("a snippet context is not closed with a \"-->\" line");
        }
        string context = string.Join('\n', lines[(start + 1)..end]);
        if (!context.Contains(MarkdownSnippet.Placeholder, StringComparison.Ordinal))
        {
            throw new FormatException($"a snippet context has no {MarkdownSnippet.Placeholder} line");
        }
        return context;
    }

    private static string Metadata(string key) =>
        typeof(MarkdownSnippets).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"no {key} metadata");
}
