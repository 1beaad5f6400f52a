using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Calloop.Generators.Tests;

/// <summary>Every diagnostic the analyzer supports has a release entry, a help page and an absolute help link.</summary>
public class DescriptorTests
{
    private static readonly string Root = typeof(DescriptorTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    private static DiagnosticDescriptor[] Descriptors() => new CalloopAnalyzer().SupportedDiagnostics.ToArray();

    [TestCaseSource(nameof(Descriptors))]
    public void HasAPageAReleaseEntryAndAnAbsoluteHelpLink(DiagnosticDescriptor descriptor)
    {
        string page = Path.Combine(Root, "docs", "diagnostics", descriptor.Id + ".md");
        string releases = File.ReadAllText(Path.Combine(Root, "Calloop.Generators", "AnalyzerReleases.Unshipped.md"));
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(page), Is.True, page);
            Assert.That(File.ReadAllText(page), Does.StartWith($"# {descriptor.Id}: "));
            Assert.That(releases, Does.Contain($"{descriptor.Id} | {descriptor.Category} | {descriptor.DefaultSeverity} |"));
            Assert.That(descriptor.HelpLinkUri, Is.EqualTo($"https://github.com/calloop-dotnet/calloop-dotnet/blob/main/docs/diagnostics/{descriptor.Id}.md"));
        });
    }

    [Test]
    public void IdsAreUniqueAndSequential()
    {
        string[] ids = Descriptors().Select(d => d.Id).ToArray();
        Assert.That(ids, Is.Unique);
        Assert.That(ids, Is.EqualTo(Enumerable.Range(1, ids.Length).Select(i => $"CLP{i:0000}")));
    }
}
