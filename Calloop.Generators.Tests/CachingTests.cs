using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Calloop.Generators.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Calloop.Generators.Tests;

/// <summary>The pipeline's incremental behaviour: what an edit re-runs, and what step outputs may hold.</summary>
public class CachingTests
{
    private const string Handlers = """
        using System;
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }

        [EventSource]
        public sealed partial class Pair : IEventSource<int, Unit, Unit>
        {
            private readonly PingSource _ping = Ping.Create().Source;

            [OnEvent(nameof(_ping))]
            private void OnPing(Unit ping) { }
        }
        """;

    private const string Unrelated = """
        namespace Sample;

        public static class Helpers
        {
            public static int Twice(int x) => x * 2;
        }
        """;

    private static readonly string[] TrackedSteps =
    [
        TrackingNames.HandlerMethods,
        TrackingNames.Composites,
        TrackingNames.Models + ".handlers",
        TrackingNames.Models + ".composites",
        TrackingNames.CaseCollisions,
    ];


    private static (GeneratorDriver Driver, CSharpCompilation Compilation) RunOnce(params string[] sources)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(sources);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        return (driver, compilation);
    }

    private static GeneratorRunResult RunAgain(GeneratorDriver driver, CSharpCompilation compilation, int treeIndex, string newText)
    {
        SyntaxTree old = compilation.SyntaxTrees.ElementAt(treeIndex);
        SyntaxTree updated = old.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(newText));
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, updated);
        return driver.RunGenerators(edited).GetRunResult().Results.Single();
    }

    /// <summary>The run reasons of a tracked step; a step that is missing or produced nothing fails the test (so that a
    /// renamed tracking name cannot make "every reason is Cached" pass vacuously).</summary>
    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult result, string step)
    {
        Assert.That(result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runs), Is.True, $"step {step} is tracked");
        IncrementalStepRunReason[] reasons = runs.SelectMany(r => r.Outputs).Select(o => o.Reason).ToArray();
        Assert.That(reasons, Is.Not.Empty, $"step {step} produced outputs");
        return reasons;
    }

    [Test]
    public void AnUnrelatedEditLeavesEveryStepCachedOrUnchanged()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(Handlers, Unrelated);
        GeneratorRunResult result = RunAgain(driver, compilation, 1, Unrelated.Replace("x * 2", "x + x"));

        foreach (string step in TrackedSteps)
        {
            IncrementalStepRunReason[] reasons = Reasons(result, step);
            Assert.That(reasons, Is.Not.Empty, step);
            Assert.That(reasons, Is.All.AnyOf(IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged), step);
        }
        Assert.That(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs).Select(o => o.Reason),
            Is.All.AnyOf(IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged), "source outputs");
    }

    [Test]
    public void MovingCodeChangesOnlyDiagnosticsNotTheModel()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(Handlers, Unrelated);
        // A blank line above the types shifts every location but changes nothing the emitter uses.
        GeneratorRunResult result = RunAgain(driver, compilation, 0, Handlers.Replace("namespace Sample;", "namespace Sample;\n\n"));
        Assert.That(Reasons(result, TrackingNames.Models + ".handlers"), Is.All.AnyOf(IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged));
        Assert.That(Reasons(result, TrackingNames.Models + ".composites"), Is.All.AnyOf(IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged));
    }

    [Test]
    public void EditingAHandlerModifiesItsModel()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(Handlers, Unrelated);
        GeneratorRunResult result = RunAgain(driver, compilation, 0,
            Handlers.Replace("OnTick(Instant deadline)", "OnTick(Instant deadline, ref Unit metadata)"));
        Assert.Multiple(() =>
        {
            Assert.That(Reasons(result, TrackingNames.HandlerMethods), Does.Contain(IncrementalStepRunReason.Modified));
            Assert.That(Reasons(result, TrackingNames.Models + ".handlers"), Does.Contain(IncrementalStepRunReason.Modified));
            Assert.That(Reasons(result, TrackingNames.Models + ".composites"), Is.All.AnyOf(IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged));
        });
    }

    [Test]
    public void EditingAHandlerInASecondPartOfTheTypeModifiesItsModel()
    {
        // Only the type's first handler parses the type; an edit to a later handler in another file must still be seen.
        const string secondPart = """
            using Calloop;
            using Calloop.Sources;

            namespace Sample;

            public partial class App
            {
                private readonly PingSource _ping = Ping.Create().Source;

                [OnEvent(nameof(_ping))]
                private void OnPing(Unit ping) { }
            }
            """;
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(Handlers, secondPart);
        GeneratorRunResult result = RunAgain(driver, compilation, 1, secondPart.Replace("OnPing(Unit ping)", "OnPing(Unit ping, ref Unit metadata)"));
        Assert.That(Reasons(result, TrackingNames.Models + ".handlers"), Does.Contain(IncrementalStepRunReason.Modified));
        Assert.That(result.GeneratedSources.Single(s => s.HintName == "Sample.App.Calloop.g.cs").SourceText.ToString(),
            Does.Contain("data.OnPing(@event, ref metadata)"));
    }

    [Test]
    public void EditingACompositeHandlerModifiesOnlyTheCompositeModel()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(Handlers, Unrelated);
        GeneratorRunResult result = RunAgain(driver, compilation, 0,
            Handlers.Replace("OnPing(Unit ping)", "OnPing(Unit ping, ref Unit metadata)"));
        Assert.Multiple(() =>
        {
            Assert.That(Reasons(result, TrackingNames.Models + ".composites"), Does.Contain(IncrementalStepRunReason.Modified));
            Assert.That(Reasons(result, TrackingNames.Models + ".handlers"), Is.All.AnyOf(IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged));
        });
    }

    [Test]
    public void NoStepOutputHoldsASymbolSyntaxOrCompilation()
    {
        (GeneratorDriver driver, CSharpCompilation _) = RunOnce(Handlers, Unrelated);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        int walked = 0;
        foreach (string step in TrackedSteps)
        {
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
            {
                foreach ((object value, IncrementalStepRunReason _) in run.Outputs)
                {
                    AssertHoldsOnlyValues(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
                    walked++;
                }
            }
        }
        Assert.That(walked, Is.GreaterThan(0));
    }

    private static void AssertHoldsOnlyValues(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || value is DiagnosticDescriptor)
        {
            return;
        }
        Assert.That(value, Is.Not.InstanceOf<ISymbol>().And.Not.InstanceOf<SyntaxNode>().And.Not.InstanceOf<SyntaxTree>()
            .And.Not.InstanceOf<Compilation>().And.Not.InstanceOf<SemanticModel>().And.Not.InstanceOf<Location>(), path);
        if (!value.GetType().IsValueType && !seen.Add(value))
        {
            return;
        }
        if (value is IEnumerable sequence)
        {
            int i = 0;
            foreach (object? item in sequence)
            {
                AssertHoldsOnlyValues(item, $"{path}[{i++}]", seen);
            }
            return;
        }
        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertHoldsOnlyValues(field.GetValue(value), path + "." + field.Name, seen);
        }
    }
}
