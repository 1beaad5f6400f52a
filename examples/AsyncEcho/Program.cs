// An async line-protocol server and client over loopback TCP, both on one event loop thread: ordinary
// async/await code (StreamReader/StreamWriter over the loop's Stream view), with a loop timer as the timeout.
using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Calloop;

using var eventLoop = new EventLoop<LoopSignal>();
LoopHandle<LoopSignal> handle = eventLoop.Handle;
int loopThread = Environment.CurrentManagedThreadId;

void Log(string who, string text)
{
    string thread = Environment.CurrentManagedThreadId == loopThread ? "loop thread" : "ANOTHER THREAD";
    Console.WriteLine($"[{who}, {thread}] {text}");
}

using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
listener.Listen();
var endPoint = (IPEndPoint)listener.LocalEndPoint!;
Console.WriteLine($"listening on {endPoint}");

// The server: accept one client, answer each line, stop at "bye".
async Task ServeAsync(CancellationToken cancel)
{
    using AsyncIo<Socket> accepting = handle.AdaptIo(listener, leaveOpen: true);
    await accepting.Readable(cancel);
    using AsyncIo<Socket> connection = handle.AdaptIo(listener.Accept());
    Log("server", $"accepted {connection.Inner.RemoteEndPoint}");
    using Stream stream = connection.GetStream();
    using var reader = new StreamReader(stream, Encoding.UTF8);
    using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
    while (await reader.ReadLineAsync(cancel) is string line)
    {
        Log("server", $"got  '{line}'");
        if (line == "bye")
        {
            await writer.WriteLineAsync("bye".AsMemory(), cancel);
            return;
        }
        await writer.WriteLineAsync($"{line.ToUpperInvariant()} ({line.Length} chars)".AsMemory(), cancel);
    }
}

// The client: connect without blocking, send three lines and "bye", read each answer.
async Task<int> ClientAsync(CancellationToken cancel)
{
    using AsyncIo<Socket> io = handle.AdaptIo(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
    try
    {
        io.Inner.Connect(endPoint);
    }
    catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
    {
        await io.Writable(cancel); // the connection is established (or failed) once the socket is writable
        int error = (int)io.Inner.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        if (error != 0)
        {
            throw new SocketException(error);
        }
    }
    Log("client", $"connected from {io.Inner.LocalEndPoint}");
    using Stream stream = io.GetStream();
    using var reader = new StreamReader(stream, Encoding.UTF8);
    using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
    int answers = 0;
    foreach (string line in new[] { "hello", "calloop on .NET", "async/await on the loop", "bye" })
    {
        await writer.WriteLineAsync(line.AsMemory(), cancel);
        Log("client", $"sent '{line}'");
        string? answer = await reader.ReadLineAsync(cancel);
        Log("client", $"read '{answer}'");
        answers++;
    }
    return answers;
}

LoopSignal signal = eventLoop.Signal;
bool completed = eventLoop.TryBlockOn(async () =>
{
    using var cancel = new CancellationTokenSource();
    Task server = ServeAsync(cancel.Token);
    Task<int> client = ClientAsync(cancel.Token);
    Task exchange = Task.WhenAll(server, client);
    // The timeout is a timer of the same loop; it is canceled (and leaves the loop) when the exchange ends first.
    Task timeout = handle.Delay(TimeSpan.FromSeconds(5), cancel.Token);
    if (await Task.WhenAny(exchange, timeout) != exchange)
    {
        Log("main", "timed out: canceling the pending reads and writes");
        cancel.Cancel();
        return -1;
    }
    cancel.Cancel();
    return await client;
}, ref signal, out int answers);

Console.WriteLine(completed && answers > 0
    ? $"done: {answers} answers, every continuation on the loop thread"
    : "the exchange did not finish");
return completed && answers > 0 ? 0 : 1;
