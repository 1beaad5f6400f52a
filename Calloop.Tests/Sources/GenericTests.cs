using System;
using System.Net.Sockets;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

public class GenericTests
{
    [Test]
    public void DispatchesReadinessAndGivesTheCallbackTheWrappedObject()
    {
        using var loop = new EventLoop<byte[]?>();
        var (a, b) = Fds.SocketPair();
        using var tx = b;
        loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), (readiness, ref fd, ref received) =>
        {
            Assert.That(readiness.HasFlag(Readiness.Readable), Is.True);
            Assert.That(readiness.HasFlag(Readiness.Writable), Is.False);
            var buffer = new byte[10];
            int n = Fds.Read(fd, buffer);
            received = buffer[..n];
            return PostAction.Continue;
        });
        byte[]? data = null;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.Null);

        Assert.That(Fds.Write(tx, [1, 2, 3, 4, 5, 6]), Is.EqualTo(6));
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void WrapsASocket()
    {
        using var loop = new EventLoop<int>();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen();
        listener.Blocking = false;
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        loop.Handle.InsertSource(Generic.From(listener, Interest.Readable, Mode.Level, leaveOpen: true), (_, ref socket, ref accepted) =>
        {
            using Socket peer = socket.Accept();
            accepted++;
            return PostAction.Remove;
        });
        client.Connect(listener.LocalEndPoint!);
        int count = 0;
        loop.Dispatch(TimeSpan.FromSeconds(10), ref count);
        Assert.That(count, Is.EqualTo(1));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }

    [Test]
    public void OneShotIsReportedOnceUntilReregistered()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var tx = b;
        RegistrationToken token = loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.OneShot), (_, ref _, ref n) =>
        {
            n++;
            return PostAction.Continue;
        });
        Fds.Write(tx, "x"u8);
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(1));
        loop.Handle.Update(token);
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.EqualTo(2));
    }

    [Test]
    public void TheWrappedHandleStaysOpenWhileTheSourceLives()
    {
        var (a, b) = Fds.SocketPair();
        using var tx = b;
        var generic = Generic.From(a, Interest.Readable, Mode.Level);
        int fd = generic.Fd;
        a.Dispose();
        Assert.That(Interop.Libc.IsOpen(fd), Is.True, "disposing the handle must not close the fd under the source");
        generic.Dispose();
        Assert.That(Interop.Libc.IsOpen(fd), Is.False);
    }

    [Test]
    public void RemovingAGenericDisposesItAndItsHandleUnlessLeftOpen()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        var (c, d) = Fds.SocketPair();
        using var _b = b;
        using var _d = d;
        RegistrationToken owned = loop.Handle.InsertSource(Generic.From(a, Interest.Readable, Mode.Level), (_, ref _, ref _) => PostAction.Continue);
        RegistrationToken kept = loop.Handle.InsertSource(Generic.From(c, Interest.Readable, Mode.Level, leaveOpen: true), (_, ref _, ref _) => PostAction.Continue);
        loop.Handle.Remove(owned);
        loop.Handle.Remove(kept);
        Assert.That(a.IsClosed, Is.True);
        Assert.That(c.IsClosed, Is.False);
        c.Dispose();
    }

    [Test]
    public void ASocketClosedWhileRegisteredCanStillBeRemoved()
    {
        using var loop = new EventLoop<int>();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        RegistrationToken token = loop.Handle.InsertSource(Generic.From(socket, Interest.Readable, Mode.Level, leaveOpen: true), (_, ref _, ref _) => PostAction.Continue);
        socket.Dispose();
        loop.Handle.Remove(token);
        Assert.That(loop.Handle.SourceCount, Is.Zero);
        Assert.Throws<ArgumentException>(() => loop.Handle.Remove(token), "the token is stale once its source is gone");
        // The loop is still whole: a source inserted now (possibly in the same slot) is served.
        var (ping, source) = Ping.Create();
        using var _ = ping;
        RegistrationToken next = loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        Assert.That(next, Is.Not.EqualTo(token));
        ping.Send();
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(data, Is.EqualTo(1));
    }

    [Test]
    public void DisposingARegisteredSourceStopsItsEventsAndClosesItsDescriptor()
    {
        using var loop = new EventLoop<int>();
        var (a, b) = Fds.SocketPair();
        using var tx = b;
        var source = Generic.From(a, Interest.Readable, Mode.Level);
        Assert.That(source.File, Is.SameAs(a));
        RegistrationToken token = loop.Handle.InsertSource(source, (_, ref _, ref n) =>
        {
            n++;
            return PostAction.Continue;
        });
        source.Dispose();
        source.Dispose();
        Assert.That(a.IsClosed, Is.True, "the source owned the handle");
        Fds.Write(tx, "x"u8);
        int calls = 0;
        loop.Dispatch(TimeSpan.Zero, ref calls);
        Assert.That(calls, Is.Zero, "no longer watched");
        loop.Handle.Remove(token);
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }
}
