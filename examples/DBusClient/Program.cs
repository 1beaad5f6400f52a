// A D-Bus client on one event loop, with Tmds.DBus.Protocol:
//  - on the loop thread, it connects to the session bus, calls org.freedesktop.DBus.ListNames and subscribes to
//    NameOwnerChanged; each signal is handled on the loop thread (the loop's SynchronizationContext);
//  - a timer reports once a second;
//  - Ctrl-C (SIGINT) stops the loop.
// The bus address is the first argument, or DBUS_SESSION_BUS_ADDRESS. It ends by itself after the number of seconds
// given as the second argument (default 10). To watch a name come and go, in another terminal:
//   dbus-send --session --dest=org.freedesktop.DBus --type=method_call /org/freedesktop/DBus org.freedesktop.DBus.GetId
using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Calloop;
using Tmds.DBus.Protocol;

string? address = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS");
if (string.IsNullOrEmpty(address))
{
    Console.Error.WriteLine("no session bus: pass an address (dbus-daemon --session --print-address) or set DBUS_SESSION_BUS_ADDRESS");
    return 2;
}
int seconds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;

using var loop = new EventLoop<Client>();
LoopHandle<Client> handle = loop.Handle;
using var connection = new DBusConnection(address);
var client = new Client(loop.Signal, Environment.CurrentManagedThreadId);

// Ctrl-C: stop the loop (the source suppresses the default action, termination).
handle.InsertSource(new SignalSource(PosixSignal.SIGINT), (evt, ref _, ref c) =>
{
    Console.WriteLine($"dbus: {evt} received, stopping");
    c.Signal.Stop();
});

// A timer in the same loop.
handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromSeconds(1)), (_, ref _, ref c) =>
{
    c.Ticks++;
    Console.WriteLine($"dbus: tick {c.Ticks}, {c.Changes} name changes seen");
    if (c.Ticks >= seconds)
    {
        c.Signal.Stop();
        return TimeoutAction.Drop;
    }
    return TimeoutAction.ToDuration(TimeSpan.FromSeconds(1));
});

// The D-Bus conversation runs as async work on the loop: every continuation, and every signal handler, on this thread.
var (executor, scheduler) = Executor.Create<string[]>();
handle.InsertSource(executor, (outcome, ref _, ref c) =>
{
    if (!outcome.IsSuccess)
    {
        Console.WriteLine($"dbus: failed: {outcome.Exception?.Message}");
        c.Signal.Stop();
        return;
    }
    Console.WriteLine($"dbus: {outcome.GetValue().Length} names on the bus; watching NameOwnerChanged");
});
scheduler.Schedule(() => ConnectAndWatch(connection, client));

loop.Run(null, ref client);
Console.WriteLine($"dbus: done ({client.Changes} name changes)");
return 0;

static async Task<string[]> ConnectAndWatch(DBusConnection connection, Client client)
{
    await connection.ConnectAsync();
    Console.WriteLine($"dbus: connected as {connection.UniqueName}");
    string[] names = await connection.ListServicesAsync();
    foreach (string name in names)
    {
        Console.WriteLine($"dbus: name {name}");
    }
    // The handler is posted to the loop's SynchronizationContext, the one current here.
    await connection.WatchSignalAsync(
        "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameOwnerChanged",
        static (message, _) =>
        {
            Reader reader = message.GetBodyReader();
            return (Name: reader.ReadString(), OldOwner: reader.ReadString(), NewOwner: reader.ReadString());
        },
        notification =>
        {
            if (!notification.HasValue)
            {
                Console.WriteLine($"dbus: watch ended: {notification.CompletionReason?.Message ?? "the connection closed"}");
                return;
            }
            var change = notification.Value;
            client.Changes++;
            string where = Environment.CurrentManagedThreadId == client.LoopThread ? "loop thread" : "ANOTHER THREAD";
            Console.WriteLine($"dbus: NameOwnerChanged {change.Name}: '{change.OldOwner}' -> '{change.NewOwner}' (on the {where})");
        },
        SynchronizationContext.Current, ObserverFlags.None, null);
    return names;
}

/// <summary>The loop's shared data.</summary>
internal sealed class Client(LoopSignal signal, int loopThread)
{
    public LoopSignal Signal { get; } = signal;

    public int LoopThread { get; } = loopThread;

    public int Ticks { get; set; }

    public int Changes { get; set; }
}
