using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using Calloop.Generators.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Calloop.Generators.Tests;

/// <summary>
/// Odd but valid inputs, and seeded random mutations of them: for each, the generator neither throws nor fails
/// (CS8784, CS8785), finishes within 5 s, and either its output compiles or a CLP error says why not. The seed is fixed;
/// set <c>CALLOOP_FUZZ_SEED</c> (and <c>CALLOOP_FUZZ_MUTATIONS</c>) to explore others. A failure names the seed and
/// the mutation's index, which reproduce it (<c>CALLOOP_FUZZ_ONLY=index</c> runs that one alone).
/// </summary>
public class FuzzTests
{
    private const int DefaultSeed = 20250101;
    private const int DefaultMutations = 320;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    private const string Header = "using System;\nusing Calloop;\nusing Calloop.Sources;\n";

    private static string Ping(string field = "_ping") => $"private readonly PingSource {field} = Ping.Create().Source;";

    /// <summary>Named inputs, each one or more files.</summary>
    internal static IEnumerable<(string Name, string[] Files)> Corpus()
    {
        yield return ("generic", [Header + """
            namespace G;
            public partial class App<T, TCallback> where T : class
            {
                private readonly PingSource _ping = Ping.Create().Source;
                [OnEvent(nameof(_ping))] private void OnPing(Unit ping, ref Unit metadata, ref App<T, TCallback> data) { }
            }
            """]);
        yield return ("nested", [Header + """
            namespace N;
            public partial class Outer { internal partial struct Middle<K> { private partial class Inner
            {
                private readonly PingSource _ping = Ping.Create().Source;
                [OnEvent(nameof(_ping))] private void OnPing(Unit ping) { }
            } } }
            """]);
        yield return ("record", [Header + """
            namespace R;
            public partial record App(int Id)
            {
                private readonly PingSource _ping = Ping.Create().Source;
                [OnEvent(nameof(_ping))] private void OnPing(Unit ping) { }
            }
            public partial record struct Data
            {
                public Data() { }
                private readonly TimerSource _tick = TimerSource.Immediate();
                [OnEvent(nameof(_tick))] private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
            }
            """]);
        yield return ("struct", [Header + """
            namespace S;
            public partial struct Data
            {
                public Data() { }
                private readonly PingSource _ping = Ping.Create().Source;
                public int Count;
                [OnEvent(nameof(_ping))] private static void OnPing(Unit ping, ref Unit metadata, ref Data data) => data.Count++;
            }
            """]);
        yield return ("static class", [Header + """
            namespace St;
            public static partial class Holder
            {
                private static readonly PingSource _ping = Ping.Create().Source;
                [OnEvent(nameof(_ping))] private static void OnPing(Unit ping) { }
            }
            """]);
        yield return ("file-scoped and global namespace", [Header + """
            namespace F.G.H;
            file class Helper { }
            public partial class App
            {
                private static readonly PingSource Shared = Ping.Create().Source;
                [OnEvent(nameof(Shared))] private static void OnShared(Unit ping) { }
            }
            """, Header + """
            public partial class App
            {
                private readonly PingSource _ping = Ping.Create().Source;
                [OnEvent(nameof(_ping))] private void OnPing(Unit ping) { }
            }
            """]);
        yield return ("split partial declarations", [Header + """
            namespace P;
            public partial class App
            {
                private readonly PingSource _ping = Ping.Create().Source;
                [OnEvent(nameof(_ping))] private void OnPing(Unit ping) { }
            }
            """, Header + """
            namespace P;
            public partial class App
            {
                private readonly TimerSource _tick = TimerSource.Immediate();
                [OnEvent(nameof(_tick))] private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
                public partial Tokens Wire(LoopHandle<App> handle);
            }
            """, Header + """
            namespace P;
            public partial class App
            {
                public static void Use(EventLoop<App> loop, App app) { App.Tokens tokens = app.Wire(loop.Handle); loop.Handle.Remove(tokens.Tick); }
            }
            """]);
        yield return ("keyword names", [Header + """
            namespace @namespace.@class;
            public partial class @class
            {
                private readonly PingSource @event = Ping.Create().Source;
                private readonly TimerSource @int = TimerSource.Immediate();
                [OnEvent(nameof(@event))] private void @void(Unit @in) { }
                [OnEvent(nameof(@int))] private TimeoutAction @return(Instant @out) => TimeoutAction.Drop;
            }
            public partial class Class
            {
                private readonly PingSource _ping = Ping.Create().Source;
                [OnEvent(nameof(_ping))] private void OnPing(Unit ping) { }
            }
            """]);
        yield return ("unicode names", [Header + """
            namespace Ünï.Cödé;
            public partial class Ärger
            {
                private readonly PingSource _事件 = Ping.Create().Source;
                private readonly TimerSource _ſ = TimerSource.Immediate();
                [OnEvent(nameof(_事件))] private void Über(Unit ping) { }
                [OnEvent(nameof(_ſ))] private TimeoutAction Ω(Instant d) => TimeoutAction.Drop;
            }
            public partial class ärger
            {
                private readonly PingSource \u0061 = Ping.Create().Source;
                [OnEvent(nameof(a))] private void OnA(Unit ping) { }
            }
            """]);
        yield return ("names differing in case", [Header + """
            namespace N.X { public partial class App { private readonly PingSource _ping = Ping.Create().Source; [OnEvent(nameof(_ping))] private void OnPing(Unit p) { } } }
            namespace N.x { public partial class App { private readonly PingSource _ping = Ping.Create().Source; [OnEvent(nameof(_ping))] private void OnPing(Unit p) { } } }
            namespace N.x { public partial class app { private readonly PingSource _ping = Ping.Create().Source; [OnEvent(nameof(_ping))] private void OnPing(Unit p) { } } }
            """]);
        yield return ("inherited and interface members", [Header + """
            namespace I;
            public interface IHas { PingSource Extra { get; } TimeoutAction On(Instant d); }
            public class Base { protected readonly TimerSource _tick = TimerSource.Immediate(); private readonly PingSource _hidden = Ping.Create().Source; }
            public partial class App : Base, IHas
            {
                public PingSource Extra { get; } = Ping.Create().Source;
                [OnEvent(nameof(_tick))] public TimeoutAction On(Instant d) => TimeoutAction.Drop;
                [OnEvent(nameof(Extra))] private void OnExtra(Unit ping) { }
            }
            public partial class Explicit : IHas
            {
                PingSource IHas.Extra { get; } = Ping.Create().Source;
                private readonly TimerSource _tick = TimerSource.Immediate();
                [OnEvent(nameof(_tick))] TimeoutAction IHas.On(Instant d) => TimeoutAction.Drop;
                [OnEvent("IHas.Extra")] private void OnExtra(Unit ping) { }
            }
            public partial class Named
            {
                private readonly PingSource _ping = Ping.Create().Source;
                public int InsertSources;
                [OnEvent(nameof(_ping))] private void OnPing(Unit ping) { }
            }
            """]);
        yield return ("composite", [Header + """
            namespace C;
            [EventSource]
            public sealed partial class Beat : IEventSource<int, Unit, Unit>
            {
                private readonly PingSource _ping = Ping.Create().Source;
                private readonly TimerSource _tick = TimerSource.Immediate();
                private Unit _none;
                [OnEvent(nameof(_ping))]
                private void OnPing<TEmit>(Unit ping, ref TEmit emit) where TEmit : IEventCallback<int, Unit, Unit>, allows ref struct => emit.Invoke(1, ref _none);
                [OnEvent(nameof(_tick))] private TimeoutAction OnTick(Instant d) => TimeoutAction.Drop;
            }
            public partial class Holder
            {
                private readonly Beat _beat = new();
                [OnEvent(nameof(_beat))] private void OnBeat(int beat) { }
            }
            """]);
        yield return ("500 sources on one class", [ManySources(500)]);
    }

    private static string ManySources(int count)
    {
        var source = new StringBuilder(Header + "namespace Many;\npublic partial class App\n{\n");
        for (int i = 0; i < count; i++)
        {
            source.Append(CultureInfo.InvariantCulture, $"    private readonly PingSource _p{i} = Ping.Create().Source;\n");
            source.Append(CultureInfo.InvariantCulture, $"    [OnEvent(nameof(_p{i}))] private void On{i}(Unit ping) {{ }}\n");
        }
        return source.Append("}\n").ToString();
    }

    private static IEnumerable<TestCaseData> CorpusCases() =>
        Corpus().Select(c => new TestCaseData((object)c.Files).SetArgDisplayNames(c.Name));

    [TestCaseSource(nameof(CorpusCases))]
    public void ValidInput(string[] files) => Assert.That(Check(files), Is.Null);

    /// <summary>The valid inputs, apart from the large one, compile without any error (beyond those a CLP error explains).</summary>
    [Test]
    public void ValidInputsCompileOrAreExplained()
    {
        foreach ((string name, string[] files) in Corpus())
        {
            Assert.That(Check(files), Is.Null, name);
        }
    }

    [Test]
    public void RandomMutationsOfValidInputs()
    {
        int seed = EnvironmentInt("CALLOOP_FUZZ_SEED") ?? DefaultSeed;
        int count = EnvironmentInt("CALLOOP_FUZZ_MUTATIONS") ?? DefaultMutations;
        (string Name, string[] Files)[] corpus = Corpus().Where(c => c.Files.Sum(f => f.Length) < 20_000).ToArray();
        var failures = new List<string>();
        var stopwatch = Stopwatch.StartNew();
        int? only = EnvironmentInt("CALLOOP_FUZZ_ONLY");
        for (int i = only ?? 0; i < (only + 1 ?? count); i++)
        {
            // One generator per mutation, from the seed and the index: any one reproduces on its own.
            var random = new Random(unchecked((seed * 7919) + i));
            (string name, string[] files) = corpus[random.Next(corpus.Length)];
            string[] mutated = Mutate(files, random);
            string? failure = Check(mutated);
            if (failure is not null)
            {
                failures.Add($"seed {seed}, mutation {i} (of '{name}'): {failure}\n--- input ---\n{string.Join("\n--- next file ---\n", mutated)}");
            }
        }
        TestContext.Out.WriteLine($"{(only is null ? count : 1)} mutations (seed {seed}) in {stopwatch.Elapsed.TotalSeconds:0.0} s, {failures.Count} failed");
        foreach (string failure in failures)
        {
            TestContext.Out.WriteLine(string.Join("\n", failure.Split('\n').Take(3)));
        }
        Assert.That(failures, Is.Empty, string.Join("\n\n", failures.Take(3)));
    }

    /// <summary>One to three edits: a token or a line deleted or duplicated, in one of the files.</summary>
    private static string[] Mutate(string[] files, Random random)
    {
        string[] result = (string[])files.Clone();
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            int file = random.Next(result.Length);
            string text = result[file];
            switch (random.Next(4))
            {
                case 0:
                case 1:
                {
                    SyntaxToken[] tokens = CSharpSyntaxTree.ParseText(text).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToArray();
                    if (tokens.Length == 0)
                    {
                        break;
                    }
                    TextSpan span = tokens[random.Next(tokens.Length)].Span;
                    string token = text.Substring(span.Start, span.Length);
                    result[file] = random.Next(2) == 0
                        ? text.Remove(span.Start, span.Length)
                        : text.Insert(span.End, " " + token);
                    break;
                }
                default:
                {
                    var lines = text.Split('\n').ToList();
                    int line = random.Next(lines.Count);
                    if (random.Next(2) == 0)
                    {
                        lines.RemoveAt(line);
                    }
                    else
                    {
                        lines.Insert(line, lines[line]);
                    }
                    result[file] = string.Join('\n', lines);
                    break;
                }
            }
        }
        return result;
    }

    /// <summary>Null when the input passes; otherwise what went wrong.</summary>
    private static string? Check(string[] files)
    {
        CSharpCompilation input = GeneratorHarness.Compile(files);
        var before = new HashSet<string>(input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(Key));

        var stopwatch = Stopwatch.StartNew();
        GeneratorOutput output = GeneratorHarness.Run(input);
        stopwatch.Stop();
        if (output.Run.Exception is not null)
        {
            return "the generator threw: " + output.Run.Exception;
        }
        if (stopwatch.Elapsed > Limit)
        {
            return $"the generator took {stopwatch.Elapsed.TotalSeconds:0.0} s";
        }
        Diagnostic[] all = [.. output.Diagnostics, .. output.Compilation.GetDiagnostics()];
        if (all.FirstOrDefault(d => d.Id is "CS8784" or "CS8785") is { } failed)
        {
            return "the generator failed: " + failed;
        }
        // Errors the generated code brought: any in a generated file, which needs a CLP error to explain it; and any
        // new one in the user's files (errors about members only generated code declares go away, which is fine),
        // which needs a CLP diagnostic (a source without a handler has no token, say).
        Diagnostic[] errors = output.Compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Diagnostic[] inGenerated = errors.Where(d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true).ToArray();
        // An input broken on its own (errors that the generated code does not remove) may break further in its own
        // files; only a program that was otherwise fine must get no new error there.
        bool brokenOnItsOwn = errors.Except(inGenerated).Any(d => before.Contains(Key(d)));
        Diagnostic[] inUserCode = brokenOnItsOwn ? [] : errors.Except(inGenerated).Where(d => !before.Contains(Key(d))).ToArray();
        bool clpError = output.Diagnostics.Any(d => d.Id.StartsWith("CLP", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error);
        bool clpAny = output.Diagnostics.Any(d => d.Id.StartsWith("CLP", StringComparison.Ordinal));
        if ((inGenerated.Length > 0 && !clpError) || (inUserCode.Length > 0 && !clpAny))
        {
            return "the output does not compile and no CLP diagnostic says why:\n" + string.Join("\n", inGenerated.Concat(inUserCode).Select(d => d.ToString()))
                + "\n--- generated ---\n" + string.Join("\n", output.Sources.Select(s => s.Text));
        }
        return null;
    }

    private static string Key(Diagnostic diagnostic) =>
        $"{diagnostic.Id} {diagnostic.Location.SourceTree?.FilePath} {diagnostic.Location.SourceSpan}";

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;
}
