using System;
using System.Linq;
using Calloop.Generators.Tests.Support;

namespace Calloop.Generators.Tests;

/// <summary>Every legal C# name gives a valid hint name, unique even where Roslyn compares hint names ignoring case.</summary>
public class HintNameTests
{
    private static string Handler(string keyword, string name) => $$"""
        public {{keyword}} {{name}}
        {
            private readonly global::Calloop.PingSource _ping = global::Calloop.Ping.Create().Source;

            [global::Calloop.OnEvent(nameof(_ping))]
            private void OnPing(global::Calloop.Unit ping) { }
        }
        """;

    private static void AssertGeneratesAndCompiles(GeneratorOutput output, int files)
    {
        Assert.Multiple(() =>
        {
            Assert.That(output.Run.Exception, Is.Null);
            Assert.That(output.Diagnostics.Where(d => d.Id.StartsWith("CS", StringComparison.Ordinal)), Is.Empty);
            Assert.That(output.Sources, Has.Count.EqualTo(files));
            Assert.That(output.CompilerErrors, Is.Empty, string.Join("\n", output.CompilerErrors));
            Assert.That(output.Sources.Select(s => s.HintName).Distinct(StringComparer.OrdinalIgnoreCase).Count(), Is.EqualTo(files));
        });
    }

    [Test]
    public void KeywordNamespaceAndTypeNames() => AssertGeneratesAndCompiles(GeneratorHarness.Run(
        "namespace @namespace.@class;\n" + Handler("partial class", "@class") + "\n" + Handler("partial record", "@struct")), 2);

    [Test]
    public void KeywordNamesInABlockNamespaceAndNested() => AssertGeneratesAndCompiles(GeneratorHarness.Run(
        "namespace @event { public partial class @object { " + Handler("partial class", "@int") + " } }"), 1);

    [Test]
    public void TypesThatDifferOnlyInCase() => AssertGeneratesAndCompiles(GeneratorHarness.Run(
        "namespace N;\n" + Handler("partial class", "App") + "\n" + Handler("partial class", "app") + "\n" + Handler("partial class", "APP")), 3);

    [Test]
    public void NamespacesThatDifferOnlyInCase() => AssertGeneratesAndCompiles(GeneratorHarness.Run(
        "namespace N.X { " + Handler("partial class", "App") + " }\nnamespace N.x { " + Handler("partial class", "App") + " }"), 2);

    [Test]
    public void NestedAndGenericTypesThatDifferOnlyInCase() => AssertGeneratesAndCompiles(GeneratorHarness.Run(
        "namespace N;\npublic partial class Outer { " + Handler("partial class", "Inner<T>") + " }\npublic partial class outer { "
        + Handler("partial class", "inner<T>") + " }"), 2);

    [Test]
    public void UnicodeNames() => AssertGeneratesAndCompiles(GeneratorHarness.Run(
        "namespace Ünï.Cödé;\n" + Handler("partial class", "Ärger") + "\n" + Handler("partial class", "ärger") + "\n"
        + Handler("partial class", "事件") + "\n" + Handler("partial class", "\\u0041pp") + "\n" + Handler("partial class", "ſ") + "\n"
        + Handler("partial class", "s") + "\n" + Handler("partial class", "S")), 7);

    [Test]
    public void NamesWithoutCaseCollisionsKeepReadableHintNames()
    {
        GeneratorOutput output = GeneratorHarness.Run("namespace N;\n" + Handler("partial class", "App"));
        Assert.That(output.Sources.Select(s => s.HintName), Is.EqualTo(new[] { "N.App.Calloop.g.cs" }));
    }
}
