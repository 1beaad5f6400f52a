using System.Globalization;
using System.Linq;
using Calloop.Generators.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Calloop.Generators.Tests;

/// <summary>CLP0015: a type whose handlers are never inserted, because its insertion method is never called.</summary>
public class ForgottenInsertTests
{
    private const string App = """
        using System;
        using Calloop;

        namespace Sample;

        {{accessibility}} sealed partial class {|App|}
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            {{declaration}}

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }

        {{accessibility}} static class Program
        {
            public static void Main()
            {
                using var loop = new EventLoop<App>();
                var app = new App();
                {{call}}
                loop.Dispatch(TimeSpan.Zero, ref app);
            }
        }
        """;

    private static (GeneratorOutput Output, MarkedSource Source) Run(string accessibility, string call, string declaration = "", OutputKind kind = OutputKind.DynamicallyLinkedLibrary)
    {
        MarkedSource source = MarkedSource.Parse(App.Replace("{{accessibility}}", accessibility).Replace("{{call}}", call).Replace("{{declaration}}", declaration));
        CSharpCompilation compilation = GeneratorHarness.Compile(source.Text).WithOptions(GeneratorHarness.CompilationOptions.WithOutputKind(kind));
        return (GeneratorHarness.Run(compilation), source);
    }

    private static Diagnostic[] Forgotten(GeneratorOutput output) => output.Diagnostics.Where(d => d.Id == "CLP0015").ToArray();

    [Test]
    public void AnInternalTypeWhoseInsertSourcesIsNeverCalledIsReported()
    {
        (GeneratorOutput output, MarkedSource source) = Run("internal", "// forgotten");
        Diagnostic[] reported = Forgotten(output);
        Assert.That(reported, Has.Length.EqualTo(1), string.Join("\n", output.Diagnostics));
        Assert.Multiple(() =>
        {
            Assert.That(reported[0].Severity, Is.EqualTo(DiagnosticSeverity.Warning));
            Assert.That(reported[0].Location.SourceSpan, Is.EqualTo(source.Span));
            Assert.That(reported[0].GetMessage(CultureInfo.InvariantCulture), Does.Contain("App").And.Contain("InsertSources"));
            Assert.That(reported[0].Descriptor.CustomTags, Does.Contain(WellKnownDiagnosticTags.CompilationEnd));
        });
    }

    [Test]
    public void APublicTypeInAnApplicationIsReported() =>
        Assert.That(Forgotten(Run("public", "// forgotten", kind: OutputKind.ConsoleApplication).Output), Has.Length.EqualTo(1));

    [Test]
    public void ACallIsEnough() =>
        Assert.That(Forgotten(Run("internal", "app.InsertSources(loop.Handle);").Output), Is.Empty);

    [Test]
    public void AMethodGroupIsEnough() =>
        Assert.That(Forgotten(Run("internal", "Func<LoopHandle<App>, App.AppSources> insert = app.InsertSources; insert(loop.Handle);").Output), Is.Empty);

    [Test]
    public void ACallOfADeclaredMethodIsEnough()
    {
        (GeneratorOutput output, MarkedSource _) = Run("internal", "app.Wire(loop.Handle);", "internal partial Tokens Wire(LoopHandle<App> handle);");
        Assert.That(output.Diagnostics, Is.Empty);
    }

    [Test]
    public void ADeclaredMethodNeverCalledIsReportedByItsName()
    {
        (GeneratorOutput output, MarkedSource _) = Run("internal", "// forgotten", "internal partial Tokens Wire(LoopHandle<App> handle);");
        Assert.That(Forgotten(output).Single().GetMessage(CultureInfo.InvariantCulture), Does.Contain("Wire"));
    }

    [Test]
    public void APublicTypeInALibraryIsNotReported() =>
        // Another assembly may insert its sources: the library cannot know.
        Assert.That(Forgotten(Run("public", "// forgotten").Output), Is.Empty);

    [Test]
    public void PragmaSilencesIt()
    {
        (GeneratorOutput output, MarkedSource _) = Run("#pragma warning disable CLP0015\ninternal", "// forgotten");
        Assert.That(Forgotten(output), Is.Empty);
    }
}
