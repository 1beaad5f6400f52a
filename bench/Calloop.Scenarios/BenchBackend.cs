using System;

namespace Calloop.Scenarios;

/// <summary>
/// The backend every scenario's loop uses, from <c>CALLOOP_BENCH_BACKEND</c>: <c>epoll</c>, <c>iouring</c> or
/// <c>poll</c>; unset or empty means <see cref="Backend.Default"/>. The peer name in the result line says which.
/// </summary>
internal static class BenchBackend
{
    internal static readonly Backend Backend = Parse(Environment.GetEnvironmentVariable("CALLOOP_BENCH_BACKEND"));

    /// <summary>The peer name: calloop-dotnet for the default backend, calloop-dotnet-&lt;backend&gt; otherwise.</summary>
    internal static readonly string Peer = Backend switch
    {
        Backend.IoUring => "calloop-dotnet-iouring",
        Backend.Poll => "calloop-dotnet-poll",
        _ => "calloop-dotnet",
    };

    /// <summary>Options for a scenario's loop: the chosen backend and nothing else.</summary>
    internal static EventLoopOptions Options() => new() { Backend = Backend };

    private static Backend Parse(string? name) => name switch
    {
        null or "" or "epoll" => Backend.Default,
        "iouring" => Backend.IoUring,
        "poll" => Backend.Poll,
        _ => throw new ArgumentException($"CALLOOP_BENCH_BACKEND={name}: use epoll, iouring or poll."),
    };
}
