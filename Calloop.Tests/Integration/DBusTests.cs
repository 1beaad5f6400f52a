using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using Tmds.DBus.Protocol;

namespace Calloop.Tests.Integration;

/// <summary>A D-Bus client (Tmds.DBus.Protocol) on the loop thread, against a real bus daemon started for the test.</summary>
public class DBusTests
{
    private const string OwnedName = "org.calloop.Tests.Owner";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Test]
    public void ListNamesAndNameOwnerChangedRunOnTheLoopThread()
    {
        using var bus = BusDaemon.Start();
        using var loop = new EventLoop<int>();
        int loopThread = Environment.CurrentManagedThreadId;
        var changes = new List<(string Name, string NewOwner, int Thread)>();
        string[]? names = null;
        Exception? failure = null;

        var (executor, scheduler) = Executor.Create<string[]>();
        loop.Handle.InsertSource(executor, (outcome, ref _, ref _) =>
        {
            if (outcome.IsSuccess)
            {
                names = outcome.GetValue();
            }
            else
            {
                failure = outcome.Exception;
            }
        });

        using var connection = new DBusConnection(bus.Address);
        scheduler.Schedule(async () =>
        {
            await connection.ConnectAsync();
            string[] listed = await connection.ListServicesAsync();
            await connection.WatchSignalAsync(
                "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameOwnerChanged",
                static (message, _) =>
                {
                    Reader reader = message.GetBodyReader();
                    return (Name: reader.ReadString(), OldOwner: reader.ReadString(), NewOwner: reader.ReadString());
                },
                notification =>
                {
                    if (notification.HasValue)
                    {
                        changes.Add((notification.Value.Name, notification.Value.NewOwner, Environment.CurrentManagedThreadId));
                    }
                },
                SynchronizationContext.Current, ObserverFlags.None, null);
            return listed;
        });

        DispatchUntil(loop, () => names is not null || failure is not null, "ListNames and the subscription");
        Assert.That(failure, Is.Null);
        Assert.That(names, Does.Contain("org.freedesktop.DBus").And.Contain(connection.UniqueName));

        // A second connection, on another thread, takes a name: the bus announces it with NameOwnerChanged.
        using var other = new DBusConnection(bus.Address);
        Task owning = Task.Run(async () =>
        {
            await other.ConnectAsync();
            await other.RequestNameAsync(OwnedName, RequestNameOptions.Default);
        });
        DispatchUntil(loop, () => owning.IsFaulted || changes.Exists(c => c.Name == OwnedName), $"NameOwnerChanged for {OwnedName}");
        Assert.That(owning.Exception, Is.Null);

        (string name, string newOwner, int thread) = changes.Find(c => c.Name == OwnedName);
        Assert.That(newOwner, Is.EqualTo(other.UniqueName), "the new owner is the second connection");
        Assert.That(thread, Is.EqualTo(loopThread), "the signal handler ran on the loop thread");
        Assert.That(changes.TrueForAll(c => c.Thread == loopThread), "every signal was handled on the loop thread");
    }

    private static void DispatchUntil(EventLoop<int> loop, Func<bool> done, string what)
    {
        int data = 0;
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > Limit)
            {
                Assert.Fail($"{what}: nothing after {Limit.TotalSeconds} s");
            }
            loop.Dispatch(TimeSpan.FromMilliseconds(100), ref data);
        }
    }

    /// <summary>A private session bus: <c>dbus-daemon --session --print-address --nofork</c>.</summary>
    private sealed class BusDaemon : IDisposable
    {
        private readonly Process _process;

        private BusDaemon(Process process, string address)
        {
            _process = process;
            Address = address;
        }

        public string Address { get; }

        public static BusDaemon Start()
        {
            var info = new ProcessStartInfo("dbus-daemon", ["--session", "--print-address", "--nofork"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            Process process;
            try
            {
                process = Process.Start(info)!;
            }
            catch (Win32Exception e)
            {
                throw new InvalidOperationException("dbus-daemon could not be started: install the Debian package dbus (apt-get install -y dbus)", e);
            }
            process.ErrorDataReceived += static (_, _) => { };   // drained: its warnings (fd limits) are not ours
            process.BeginErrorReadLine();
            Task<string?> line = process.StandardOutput.ReadLineAsync();
            if (!line.Wait(Limit) || string.IsNullOrEmpty(line.Result))
            {
                process.Kill();
                process.Dispose();
                throw new InvalidOperationException("dbus-daemon printed no address");
            }
            return new BusDaemon(process, line.Result.Trim());
        }

        public void Dispose()
        {
            _process.Kill();
            _process.WaitForExit(Limit);
            _process.Dispose();
        }
    }
}
