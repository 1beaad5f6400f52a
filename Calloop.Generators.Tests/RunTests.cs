using System.Reflection;
using Calloop.Generators.Tests.Support;

namespace Calloop.Generators.Tests;

/// <summary>Generated code compiled against the real runtime, loaded, and run in a loop.</summary>
public class RunTests
{
    private const string SharedData = """
        using System;
        using System.IO.Pipes;
        using Calloop;
        using Calloop.Sources;

        namespace Sample;

        public sealed partial class App
        {
            private readonly TimerSource _tick = TimerSource.Immediate();
            private readonly PingSource _ping;
            internal Ping Ping;
            internal Generic<System.Runtime.InteropServices.SafeHandle> Pipe { get; }
            public int Ticks;
            public int Pings;
            public int Reads;

            public App(System.Runtime.InteropServices.SafeHandle readEnd)
            {
                (Ping, _ping) = Ping.Create();
                Pipe = Generic.From(readEnd, Interest.Readable, Mode.Level, leaveOpen: true);
            }

            [OnEvent(nameof(_tick))]
            private TimeoutAction OnTick(Instant deadline)
            {
                Ticks++;
                return Ticks < 3 ? TimeoutAction.ToDuration(TimeSpan.Zero) : TimeoutAction.Drop;
            }

            [OnEvent(nameof(_ping))]
            private void OnPing(Unit _, ref Unit metadata, ref App data) => data.Pings++;

            [OnEvent(nameof(Pipe))]
            private PostAction OnReadable(Readiness readiness, ref System.Runtime.InteropServices.SafeHandle handle)
            {
                Reads++;
                return PostAction.Disable;
            }
        }

        public static class Entry
        {
            public static int[] Run()
            {
                using var server = new AnonymousPipeServerStream(PipeDirection.In);
                using var client = new AnonymousPipeClientStream(PipeDirection.Out, server.ClientSafePipeHandle);
                var app = new App(server.SafePipeHandle);
                using var loop = new EventLoop<App>();
                App.AppSources tokens = app.InsertSources(loop.Handle);
                int distinctTokens = new System.Collections.Generic.HashSet<RegistrationToken> { tokens.Tick, tokens.Ping, tokens.Pipe }.Count;
                for (int i = 0; i < 5; i++)
                {
                    loop.Dispatch(TimeSpan.Zero, ref app);
                }
                app.Ping.Send();
                client.WriteByte(1);
                client.Flush();
                for (int i = 0; i < 3; i++)
                {
                    loop.Dispatch(TimeSpan.FromSeconds(5), ref app);
                }
                app.Ping.Dispose();
                return [distinctTokens, app.Ticks, app.Pings, app.Reads, loop.Handle.SourceCount];
            }

            /// <summary>Bytes allocated by 1000 ping dispatches after 1000 warm-up ones.</summary>
            public static long Allocations()
            {
                using var server = new AnonymousPipeServerStream(PipeDirection.In);
                var app = new App(server.SafePipeHandle);
                using var loop = new EventLoop<App>();
                app.InsertSources(loop.Handle);
                for (int i = 0; i < 1000; i++)
                {
                    app.Ping.Send();
                    loop.Dispatch(TimeSpan.Zero, ref app);
                }
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 1000; i++)
                {
                    app.Ping.Send();
                    loop.Dispatch(TimeSpan.Zero, ref app);
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (app.Pings != 2000)
                {
                    throw new InvalidOperationException($"{app.Pings} pings handled, 2000 expected.");
                }
                app.Ping.Dispose();
                return allocated;
            }
        }
        """;

    [Test]
    public void SharedDataHandlersRunForTimerPingAndGeneric()
    {
        Assembly assembly = GeneratorHarness.Load(GeneratorHarness.Run(SharedData));
        var result = (int[])GeneratorHarness.Call(assembly, "Sample.Entry", "Run")!;
        Assert.Multiple(() =>
        {
            Assert.That(result[0], Is.EqualTo(3), "tokens");
            Assert.That(result[1], Is.EqualTo(3), "ticks");
            Assert.That(result[2], Is.EqualTo(1), "pings");
            Assert.That(result[3], Is.EqualTo(1), "reads (the source disables itself)");
            Assert.That(result[4], Is.EqualTo(2), "sources left (the timer dropped itself)");
        });
    }

    [Test]
    public void SharedDataDispatchAllocatesNothingPerEvent()
    {
        Assembly assembly = GeneratorHarness.Load(GeneratorHarness.Run(SharedData));
        var allocated = (long)GeneratorHarness.Call(assembly, "Sample.Entry", "Allocations")!;
        Assert.That(allocated, Is.Zero);
    }
}
