using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using Calloop.Generators.Tests.Support;
using Microsoft.CodeAnalysis;

namespace Calloop.Generators.Tests;

/// <summary>Generator time grows linearly with the number of handlers: each type is parsed once, not once per handler.</summary>
public class ScalingTests
{
    internal static string ManyHandlers(int count)
    {
        var source = new StringBuilder("using Calloop;\n\nnamespace Sample;\n\npublic sealed partial class App\n{\n");
        for (int i = 0; i < count; i++)
        {
            source.Append(CultureInfo.InvariantCulture, $"    private readonly TimerSource _t{i} = TimerSource.Immediate();\n");
            source.Append(CultureInfo.InvariantCulture, $"    [OnEvent(nameof(_t{i}))] private TimeoutAction On{i}(Instant deadline) => TimeoutAction.Drop;\n");
        }
        return source.Append("}\n").ToString();
    }

    /// <summary>The time of one generator run over <paramref name="count"/> handlers on one class (after a warm-up run).</summary>
    internal static TimeSpan GeneratorTime(int count)
    {
        GeneratorHarness.Run(ManyHandlers(2));
        Compilation compilation = GeneratorHarness.Compile(ManyHandlers(count));
        compilation.GetDiagnostics();
        var stopwatch = Stopwatch.StartNew();
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        stopwatch.Stop();
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.That(result.Exception, Is.Null);
        Assert.That(result.GeneratedSources, Has.Length.EqualTo(1));
        return stopwatch.Elapsed;
    }

    [Test]
    public void AThousandHandlersOnOneClassTakeUnderThreeSeconds()
    {
        TimeSpan elapsed = GeneratorTime(1000);
        TestContext.Out.WriteLine($"1000 handlers: {elapsed.TotalMilliseconds:0} ms");
        // The target is well under a second; the bound leaves room for a slow, shared CI machine.
        Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(3)));
    }
}
