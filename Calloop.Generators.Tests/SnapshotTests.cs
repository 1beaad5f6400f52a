using System.Linq;
using Calloop.Generators.Tests.Support;

namespace Calloop.Generators.Tests;

/// <summary>The generated source for each use, source kind and type shape, compared with approved files.</summary>
public class SnapshotTests
{
    private static void Verify(string name, params string[] sources)
    {
        GeneratorOutput output = GeneratorHarness.Run(sources);
        Assert.Multiple(() =>
        {
            Assert.That(output.Run.Exception, Is.Null);
            // The snapshot sources declare types without calling their insertion methods (CLP0015 has its own tests).
            Assert.That(output.Diagnostics.Where(d => d.Id != "CLP0015"), Is.Empty);
            Assert.That(output.CompilerErrors, Is.Empty, string.Join("\n", output.CompilerErrors));
        });
        Assert.That(output.Sources, Is.Not.Empty);
        foreach ((string hintName, string text) in output.Sources.OrderBy(s => s.HintName, System.StringComparer.Ordinal))
        {
            Snapshot.Match(name + "." + hintName.Replace(".Calloop.g.cs", ""), text);
        }
    }

    [Test]
    public void SharedDataWithEverySourceKind() => Verify(nameof(SharedDataWithEverySourceKind), """
        using System;
        using System.Net.Sockets;
        using Calloop;
        using Calloop.Sources;

        namespace Sample
        {
            /// <summary>A user source: implements IEventSource with its own event, metadata and return types.</summary>
            public sealed class Lines : IEventSource<string, int, bool>
            {
                public void Register(Poll poll, ref TokenFactory tokenFactory) { }
                public void Reregister(Poll poll, ref TokenFactory tokenFactory) { }
                public void Unregister(Poll poll) { }
                public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
                    where TCallback : IEventCallback<string, int, bool>, allows ref struct => PostAction.Continue;
            }

            public sealed partial class App
            {
                private readonly TimerSource _tick = TimerSource.Immediate();
                private readonly PingSource _ping = Ping.Create().Source;
                public Generic<Socket>? Socket { get; set; }
                private static readonly Lines Input = new();
                private readonly Lines @event = new();

                [OnEvent(nameof(_tick))]
                private TimeoutAction OnTick(Instant deadline, ref Unit metadata, ref App data) => TimeoutAction.Drop;

                [OnEvent(nameof(_ping))]
                private void OnPing(Unit ping) { }

                [OnEvent(nameof(Socket))]
                private PostAction OnSocket(Readiness readiness, ref Socket socket) => PostAction.Continue;

                [OnEvent(nameof(Input))]
                private static bool OnInput(string line, ref int number) => true;

                [OnEvent(nameof(@event))]
                private bool @On(string line) => false;
            }
        }
        """);

    [Test]
    public void SharedDataNestedGenericStruct() => Verify(nameof(SharedDataNestedGenericStruct), """
        using System;
        using Calloop;
        using Calloop.Sources;

        namespace Sample.Nested;

        public static partial class Outer
        {
            internal partial class Middle<TKey>
            {
                public partial struct Data<T> where T : class
                {
                    private TimerSource _tick;
                    public T? Last;

                    public Data(T first) => (_tick, Last) = (TimerSource.Immediate(), first);

                    [OnEvent(nameof(_tick))]
                    private TimeoutAction OnTick(Instant deadline, ref Unit metadata, ref Data<T> data) => TimeoutAction.Drop;
                }
            }
        }
        """);

    [Test]
    public void SharedDataInTheGlobalNamespace() => Verify(nameof(SharedDataInTheGlobalNamespace), """
        using Calloop;
        using Calloop.Sources;

        public partial class App
        {
            private readonly PingSource _ping = Ping.Create().Source;

            [OnEvent(nameof(_ping))]
            private void OnPing(Unit ping) { }
        }
        """);

    [Test]
    public void CompositeWithNestedAndGenericSources() => Verify(nameof(CompositeWithNestedAndGenericSources), """
        using System;
        using System.Net.Sockets;
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        /// <summary>A generic composite relaying any source's events.</summary>
        [EventSource]
        public sealed partial class Relay<TSource, T> : IEventSource<T, Unit, Unit>
            where TSource : IEventSource<T, Unit, Unit>
        {
            private readonly TSource _inner;
            private Unit _none;

            public Relay(TSource inner) => _inner = inner;

            [OnEvent(nameof(_inner))]
            private void OnInner<TEmit>(T value, ref TEmit emit) where TEmit : IEventCallback<T, Unit, Unit>, allows ref struct
                => emit.Invoke(value, ref _none);
        }

        [EventSource]
        public partial class Everything : IEventSource<string, Unit, PostAction>
        {
            private readonly TimerSource _timer = TimerSource.Immediate();
            private readonly PingSource _ping = Ping.Create().Source;
            private readonly Generic<Socket> _socket;
            private readonly Relay<PingSource, Unit> _relay = new(Ping.Create().Source);
            private Unit _none;

            public Everything(Socket socket) => _socket = Generic.From(socket, Interest.Readable, Mode.Level);

            [OnEvent(nameof(_timer))]
            private TimeoutAction OnTimer(Instant deadline) => TimeoutAction.Drop;

            [OnEvent(nameof(_ping))]
            private void OnPing<TEmit>(Unit ping, ref Unit metadata, ref TEmit emit) where TEmit : IEventCallback<string, Unit, PostAction>, allows ref struct
                => emit.Invoke("ping", ref _none);

            [OnEvent(nameof(_socket))]
            private PostAction OnSocket<TEmit>(Readiness readiness, ref Socket socket, ref TEmit emit) where TEmit : IEventCallback<string, Unit, PostAction>, allows ref struct
                => emit.Invoke("socket", ref _none);

            [OnEvent(nameof(_relay))]
            private void OnRelay(Unit value) { }

            public void Dispose() => _socket.Dispose();
        }
        """);

    [Test]
    public void KeywordNames() => Verify(nameof(KeywordNames), """
        using Calloop;
        using Calloop.Sources;

        namespace @namespace.@class;

        public partial class @class
        {
            private readonly PingSource @event = Ping.Create().Source;

            [OnEvent(nameof(@event))]
            private void @void(Unit @in) { }
        }
        """);

    [Test]
    public void NamesThatDifferOnlyInCase() => Verify(nameof(NamesThatDifferOnlyInCase), """
        using Calloop;
        using Calloop.Sources;

        namespace N;

        public partial class App
        {
            private readonly PingSource _ping = Ping.Create().Source;

            [OnEvent(nameof(_ping))]
            private void OnPing(Unit ping) { }
        }

        public partial class app
        {
            private readonly PingSource _ping = Ping.Create().Source;

            [OnEvent(nameof(_ping))]
            private void OnPing(Unit ping) { }
        }

        public partial class APP
        {
            private readonly PingSource _ping = Ping.Create().Source;

            [OnEvent(nameof(_ping))]
            private void OnPing(Unit ping) { }
        }
        """);

    [Test]
    public void DeclaredInsertMethod() => Verify(nameof(DeclaredInsertMethod), """
        using System;
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        public sealed partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();
            private readonly PingSource _ping = Ping.Create().Source;

            /// <summary>Wires the sources.</summary>
            internal partial Wiring Wire(LoopHandle<App> loop);

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;

            [OnEvent(nameof(_ping))]
            private void OnPing(Unit ping) { }
        }
        """);

    [Test]
    public void DeclaredInsertMethodOnAGenericStruct() => Verify(nameof(DeclaredInsertMethodOnAGenericStruct), """
        using System;
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        public partial struct Data<T> where T : class
        {
            public Data() { }

            private readonly PingSource _ping = Ping.Create().Source;

            public readonly partial Sources Insert(LoopHandle<Data<T>> handle);

            [OnEvent(nameof(_ping))]
            private static void OnPing(Unit ping, ref Unit metadata, ref Data<T> data) { }
        }
        """);

    [Test]
    public void TokenNames() => Verify(nameof(TokenNames), """
        using System;
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        public partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();
            private readonly TimerSource tick = TimerSource.Immediate();
            private readonly TimerSource _1 = TimerSource.Immediate();
            private readonly TimerSource _equals = TimerSource.Immediate();
            private readonly TimerSource @event = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            [OnEvent(nameof(tick))]
            [OnEvent(nameof(_1))]
            [OnEvent(nameof(_equals))]
            [OnEvent(nameof(@event))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """);

    [Test]
    public void SplitPartialDeclarations() => Verify(nameof(SplitPartialDeclarations), """
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        public partial record Settings(int Id)
        {
            private readonly PingSource _ping = Ping.Create().Source;

            [OnEvent(nameof(_ping))]
            private void OnPing(Unit ping) { }
        }
        """, """
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        public partial record Settings
        {
            private readonly TimerSource _tick = TimerSource.Immediate();

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline) => TimeoutAction.Drop;
        }
        """);
}
