// A line echo over loopback TCP, all on one loop thread: a listening socket, the accepted connection
// and the client are Generic sources; a repeating timer makes the client send a line every 100 ms.
// The server answers each line with "echo: <line>"; after three echoes the client stops the loop.
using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Calloop;

using var eventLoop = new EventLoop<EchoState>();
LoopHandle<EchoState> handle = eventLoop.Handle;

var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
listener.Listen();
Console.WriteLine($"server listening on {listener.LocalEndPoint}");

// Server: accept each connection and echo its lines.
handle.InsertSource(Generic.From(listener, Interest.Readable, Mode.Level), (_, ref server, ref state) =>
{
    Socket connection = server.Accept();
    connection.Blocking = false;
    handle.InsertSource(Generic.From(connection, Interest.Readable, Mode.Level), (_, ref conn, ref _) =>
    {
        var buffer = new byte[1024];
        int n = conn.Receive(buffer, SocketFlags.None, out SocketError error);
        if (n == 0 || error != SocketError.Success && error != SocketError.WouldBlock)
        {
            return PostAction.Remove; // the peer closed: removing the source disposes the socket
        }
        foreach (string line in Encoding.UTF8.GetString(buffer, 0, n).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            conn.Send(Encoding.UTF8.GetBytes($"echo: {line}\n"));
        }
        return PostAction.Continue;
    });
    return PostAction.Continue;
});

// Client: connect (blocking connect on loopback completes at once), then read echoes as they come.
var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
client.Connect(listener.LocalEndPoint!);
client.Blocking = false;
handle.InsertSource(Generic.From(client, Interest.Readable, Mode.Level, leaveOpen: true), (_, ref socket, ref state) =>
{
    var buffer = new byte[1024];
    int n = socket.Receive(buffer, SocketFlags.None, out SocketError _);
    foreach (string line in Encoding.UTF8.GetString(buffer, 0, Math.Max(n, 0)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
    {
        Console.WriteLine($"client got \"{line}\"");
        if (++state.Echoes == 3)
        {
            state.Signal.Stop();
        }
    }
    return PostAction.Continue;
});

// Every 100 ms the client sends the next line, three times.
string[] lines = ["hello", "from", "calloop"];
handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromMilliseconds(100)), (_, ref _, ref state) =>
{
    string line = lines[state.Sent++];
    Console.WriteLine($"client sends \"{line}\"");
    client.Send(Encoding.UTF8.GetBytes(line + "\n"));
    return state.Sent < lines.Length ? TimeoutAction.ToDuration(TimeSpan.FromMilliseconds(100)) : TimeoutAction.Drop;
});

var state = new EchoState(eventLoop.Signal);
eventLoop.Run(TimeSpan.FromSeconds(5), ref state);
client.Dispose();
Console.WriteLine($"done: {state.Echoes} lines echoed");

/// <summary>The loop's shared data.</summary>
internal sealed class EchoState(LoopSignal signal)
{
    public LoopSignal Signal { get; } = signal;

    public int Sent { get; set; }

    public int Echoes { get; set; }
}
