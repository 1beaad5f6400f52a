using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Calloop.Generators.Tests.Support;
using Microsoft.CodeAnalysis;

namespace Calloop.Generators.Tests;

/// <summary>
/// The generator's diagnostics are reported by an analyzer at real source locations, so <c>#pragma warning</c>,
/// <c>[SuppressMessage]</c> and <c>.editorconfig</c> severities apply to them: shown here for a warning (CLP0006) and an
/// error (CLP0004).
/// </summary>
public class SuppressionTests
{
    private const string Warning = "CLP0006";
    private const string Error = "CLP0004";

    /// <summary>One unhandled source (CLP0006) and one handler with a wrong signature (CLP0004), with optional text around each.</summary>
    private static string Source(string beforeSource = "", string afterSource = "", string beforeHandler = "", string afterHandler = "") => $$"""
        using System;
        using System.Diagnostics.CodeAnalysis;
        using Calloop;

        namespace Sample;

        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();
        {{beforeSource}}
            private readonly TimerSource _forgotten = TimerSource.Immediate();
        {{afterSource}}
        {{beforeHandler}}
            [OnEvent(nameof(_tick))]
            private void OnTick(Instant deadline) { }
        {{afterHandler}}
        }
        """;

    private static string[] Ids(ImmutableArray<Diagnostic> diagnostics) =>
        diagnostics.Select(d => d.Id).Where(id => id.StartsWith("CLP", System.StringComparison.Ordinal)).OrderBy(id => id).ToArray();

    [Test]
    public void WithoutSuppressionBothAreReported() =>
        Assert.That(Ids(GeneratorHarness.Run(Source()).Diagnostics), Is.EqualTo(new[] { Error, Warning }));

    [Test]
    public void PragmaWarningDisableSilencesTheWarning() =>
        Assert.That(Ids(GeneratorHarness.Run(Source(beforeSource: $"#pragma warning disable {Warning}", afterSource: $"#pragma warning restore {Warning}")).Diagnostics),
            Is.EqualTo(new[] { Error }));

    [Test]
    public void PragmaWarningDisableSilencesTheError() =>
        Assert.That(Ids(GeneratorHarness.Run(Source(beforeHandler: $"#pragma warning disable {Error}", afterHandler: $"#pragma warning restore {Error}")).Diagnostics),
            Is.EqualTo(new[] { Warning }));

    [Test]
    public void PragmaElsewhereInTheFileDoesNotSilence() =>
        Assert.That(Ids(GeneratorHarness.Run(Source(afterHandler: $"#pragma warning disable {Warning}, {Error}")).Diagnostics),
            Is.EqualTo(new[] { Error, Warning }));

    [Test]
    public void SuppressMessageSilencesTheWarning() =>
        Assert.That(Ids(GeneratorHarness.Run(Source(beforeSource: $"[SuppressMessage(\"Calloop.Generator\", \"{Warning}\", Justification = \"inserted by hand\")]")).Diagnostics),
            Is.EqualTo(new[] { Error }));

    [Test]
    public void SuppressMessageSilencesTheError() =>
        Assert.That(Ids(GeneratorHarness.Run(Source(beforeHandler: $"[SuppressMessage(\"Calloop.Generator\", \"{Error}\")]")).Diagnostics),
            Is.EqualTo(new[] { Warning }));

    [Test]
    public async Task EditorConfigSeverityNoneSilencesBoth()
    {
        ImmutableArray<Diagnostic> diagnostics = await WorkspaceHarness.DiagnosticsAsync(Source(), $"""
            root = true

            [*.cs]
            dotnet_diagnostic.{Warning}.severity = none
            dotnet_diagnostic.{Error}.severity = none
            """);
        Assert.That(Ids(diagnostics), Is.Empty);
    }

    [Test]
    public async Task EditorConfigSeverityChangesBoth()
    {
        ImmutableArray<Diagnostic> diagnostics = await WorkspaceHarness.DiagnosticsAsync(Source(), $"""
            root = true

            [*.cs]
            dotnet_diagnostic.{Warning}.severity = error
            dotnet_diagnostic.{Error}.severity = suggestion
            """);
        Assert.Multiple(() =>
        {
            Assert.That(diagnostics.Single(d => d.Id == Warning).Severity, Is.EqualTo(DiagnosticSeverity.Error));
            Assert.That(diagnostics.Single(d => d.Id == Error).Severity, Is.EqualTo(DiagnosticSeverity.Info));
        });
    }

    [Test]
    public async Task WithoutEditorConfigTheWorkspaceReportsDefaultSeverities()
    {
        ImmutableArray<Diagnostic> diagnostics = await WorkspaceHarness.DiagnosticsAsync(Source(), editorConfig: null);
        Assert.Multiple(() =>
        {
            Assert.That(diagnostics.Single(d => d.Id == Warning).Severity, Is.EqualTo(DiagnosticSeverity.Warning));
            Assert.That(diagnostics.Single(d => d.Id == Error).Severity, Is.EqualTo(DiagnosticSeverity.Error));
        });
    }
}
