using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Calloop.Interop;
using Calloop.Polling;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Backends;

/// <summary>
/// What can be checked of the kqueue backend on Linux: its refusal to start, the documented <c>struct kevent</c>
/// layouts, and its pure parts (change lists, event conversion) over both layouts.
/// </summary>
public unsafe class KqueueTests
{
    [Test]
    public void ALoopWithTheKqueueBackendIsRefusedOnLinuxWithAClearMessage()
    {
        int before = Fds.OpenCountBefore();
        // What a Linux caller that ignored CA1416 gets at run time.
#pragma warning disable CA1416
        var e = Assert.Throws<PlatformNotSupportedException>(() => new EventLoop<int>(new EventLoopOptions { Backend = Backend.Kqueue }));
#pragma warning restore CA1416
        Assert.That(e!.Message, Does.Contain("Backend.Kqueue").And.Contain("macOS or FreeBSD").And.Contain("Backend.Epoll"));
        Assert.That(Fds.OpenCount(), Is.EqualTo(before), "nothing is left open");
    }

    [Test]
    public void TheDefaultBackendStillWorksOnLinux()
    {
        using var loop = new EventLoop<int>(new EventLoopOptions { Backend = Backend.Default });
        var (ping, source) = Ping.Create();
        using var _ = ping;
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        ping.Send();
        int calls = 0;
        loop.Dispatch(TimeSpan.FromSeconds(5), ref calls);
        Assert.That(calls, Is.EqualTo(1));
    }

    [Test]
    public void MacOsKeventHasTheDocumented32ByteLayout()
    {
        Assert.That(Unsafe.SizeOf<Kqueue.MacEvent>(), Is.EqualTo(32));
        Assert.That(sizeof(Kqueue.MacEvent), Is.EqualTo(32));
        Assert.That(Offset<Kqueue.MacEvent>(nameof(Kqueue.MacEvent.Ident)), Is.EqualTo(0));
        Assert.That(Offset<Kqueue.MacEvent>(nameof(Kqueue.MacEvent.FilterValue)), Is.EqualTo(8));
        Assert.That(Offset<Kqueue.MacEvent>(nameof(Kqueue.MacEvent.FlagsValue)), Is.EqualTo(10));
        Assert.That(Offset<Kqueue.MacEvent>(nameof(Kqueue.MacEvent.FFlags)), Is.EqualTo(12));
        Assert.That(Offset<Kqueue.MacEvent>(nameof(Kqueue.MacEvent.DataValue)), Is.EqualTo(16));
        Assert.That(Offset<Kqueue.MacEvent>(nameof(Kqueue.MacEvent.UData)), Is.EqualTo(24));
    }

    [Test]
    public void FreeBsdKeventHasTheDocumented64ByteLayout()
    {
        Assert.That(Unsafe.SizeOf<Kqueue.FreeBsdEvent>(), Is.EqualTo(64));
        Assert.That(sizeof(Kqueue.FreeBsdEvent), Is.EqualTo(64));
        Assert.That(Offset<Kqueue.FreeBsdEvent>(nameof(Kqueue.FreeBsdEvent.Ident)), Is.EqualTo(0));
        Assert.That(Offset<Kqueue.FreeBsdEvent>(nameof(Kqueue.FreeBsdEvent.FilterValue)), Is.EqualTo(8));
        Assert.That(Offset<Kqueue.FreeBsdEvent>(nameof(Kqueue.FreeBsdEvent.FlagsValue)), Is.EqualTo(10));
        Assert.That(Offset<Kqueue.FreeBsdEvent>(nameof(Kqueue.FreeBsdEvent.FFlags)), Is.EqualTo(12));
        Assert.That(Offset<Kqueue.FreeBsdEvent>(nameof(Kqueue.FreeBsdEvent.DataValue)), Is.EqualTo(16));
        Assert.That(Offset<Kqueue.FreeBsdEvent>(nameof(Kqueue.FreeBsdEvent.UData)), Is.EqualTo(24));
        Assert.That(Offset<Kqueue.FreeBsdEvent>(nameof(Kqueue.FreeBsdEvent.Ext)), Is.EqualTo(32));
    }

    [Test]
    public void TimespecIsTwoLongs()
    {
        Assert.That(Unsafe.SizeOf<Timespec>(), Is.EqualTo(16));
        Assert.That(Offset<Timespec>(nameof(Timespec.Nanoseconds)), Is.EqualTo(8));
    }

    [Test]
    public void ChangesAreTheSameForBothLayouts()
    {
        AssertChanges<Kqueue.MacEvent>();
        AssertChanges<Kqueue.FreeBsdEvent>();
    }

    private static void AssertChanges<TEvent>()
        where TEvent : unmanaged, Kqueue.IEvent<TEvent>
    {
        const ushort Receipt = Kqueue.EV_RECEIPT;
        var token = new Token(3, 4, 5);
        var none = new KqueueBackend.Registered(Interest.None, Mode.Level);
        TEvent* c = stackalloc TEvent[KqueueBackend.MaxChanges];

        // A new registration adds the filters its interest asks for, with the mode's flag and the token.
        int n = KqueueBackend.BuildChanges(c, 7, none, Interest.Both, Mode.Edge, token);
        Assert.That(n, Is.EqualTo(2));
        AssertChange(c[0], Kqueue.EVFILT_READ, Kqueue.EV_ADD | Kqueue.EV_CLEAR | Receipt, token.Value);
        AssertChange(c[1], Kqueue.EVFILT_WRITE, Kqueue.EV_ADD | Kqueue.EV_CLEAR | Receipt, token.Value);

        n = KqueueBackend.BuildChanges(c, 7, none, Interest.Readable, Mode.OneShot, token);
        Assert.That(n, Is.EqualTo(1));
        AssertChange(c[0], Kqueue.EVFILT_READ, Kqueue.EV_ADD | Kqueue.EV_ONESHOT | Receipt, token.Value);

        n = KqueueBackend.BuildChanges(c, 7, none, Interest.Writable, Mode.Level, token);
        Assert.That(n, Is.EqualTo(1));
        AssertChange(c[0], Kqueue.EVFILT_WRITE, Kqueue.EV_ADD | Receipt, token.Value);

        // Interest.None registers no filter at all.
        Assert.That(KqueueBackend.BuildChanges(c, 7, none, Interest.None, Mode.Level, token), Is.Zero);

        // Dropping a direction deletes its filter; keeping one re-adds it with the new token.
        var both = new KqueueBackend.Registered(Interest.Both, Mode.Level);
        n = KqueueBackend.BuildChanges(c, 7, both, Interest.Readable, Mode.Level, token);
        Assert.That(n, Is.EqualTo(2));
        AssertChange(c[0], Kqueue.EVFILT_READ, Kqueue.EV_ADD | Receipt, token.Value);
        AssertChange(c[1], Kqueue.EVFILT_WRITE, Kqueue.EV_DELETE | Receipt, 0);

        // A mode change deletes the filter first: kqueue keeps the flags of a filter that exists.
        n = KqueueBackend.BuildChanges(c, 7, new KqueueBackend.Registered(Interest.Readable, Mode.Level), Interest.Readable, Mode.Edge, token);
        Assert.That(n, Is.EqualTo(2));
        AssertChange(c[0], Kqueue.EVFILT_READ, Kqueue.EV_DELETE | Receipt, 0);
        AssertChange(c[1], Kqueue.EVFILT_READ, Kqueue.EV_ADD | Kqueue.EV_CLEAR | Receipt, token.Value);

        // Deleting the registration deletes every filter it had; the most changes one call makes is four.
        n = KqueueBackend.BuildChanges(c, 7, both, Interest.None, Mode.Level, default);
        Assert.That(n, Is.EqualTo(2));
        AssertChange(c[0], Kqueue.EVFILT_READ, Kqueue.EV_DELETE | Receipt, 0);
        AssertChange(c[1], Kqueue.EVFILT_WRITE, Kqueue.EV_DELETE | Receipt, 0);
        n = KqueueBackend.BuildChanges(c, 7, both, Interest.Both, Mode.OneShot, token);
        Assert.That(n, Is.EqualTo(KqueueBackend.MaxChanges));
    }

    private static void AssertChange<TEvent>(TEvent e, short filter, int flags, ulong udata)
        where TEvent : unmanaged, Kqueue.IEvent<TEvent>
    {
        Assert.That(*(nuint*)&e, Is.EqualTo((nuint)7), "ident is the descriptor");
        Assert.That(e.Filter, Is.EqualTo(filter));
        Assert.That(e.Flags, Is.EqualTo((ushort)flags));
        Assert.That(e.UserData, Is.EqualTo(udata));
    }

    [Test]
    public void ReadinessFollowsTheFilterAndTheErrorFlags()
    {
        Assert.That(KqueueBackend.ToReadiness(Kqueue.EVFILT_READ, 0, 0), Is.EqualTo(Readiness.Readable));
        Assert.That(KqueueBackend.ToReadiness(Kqueue.EVFILT_WRITE, 0, 0), Is.EqualTo(Readiness.Writable));
        Assert.That(KqueueBackend.ToReadiness(Kqueue.EVFILT_READ, Kqueue.EV_EOF, 0), Is.EqualTo(Readiness.Readable), "hang-up: readable");
        Assert.That(KqueueBackend.ToReadiness(Kqueue.EVFILT_WRITE, Kqueue.EV_EOF, 0), Is.EqualTo(Readiness.Writable), "hang-up: writable");
        Assert.That(KqueueBackend.ToReadiness(Kqueue.EVFILT_READ, Kqueue.EV_EOF, 104), Is.EqualTo(Readiness.Readable | Readiness.Error), "EOF with a socket error");
        Assert.That(KqueueBackend.ToReadiness(Kqueue.EVFILT_READ, Kqueue.EV_ERROR, 0), Is.EqualTo(Readiness.Readable | Readiness.Error));
    }

    [Test]
    public void EventsAreConvertedFromBothLayoutsAndOneDescriptorsFiltersMerge()
    {
        AssertCollect<Kqueue.MacEvent>();
        AssertCollect<Kqueue.FreeBsdEvent>();
    }

    private static void AssertCollect<TEvent>()
        where TEvent : unmanaged, Kqueue.IEvent<TEvent>
    {
        var a = new Token(1, 1, 0);
        var b = new Token(2, 1, 0);
        TEvent[] raw =
        [
            TEvent.Change(5, Kqueue.EVFILT_READ, 0, a.Value),
            TEvent.Change(5, Kqueue.EVFILT_WRITE, Kqueue.EV_EOF, a.Value),
            TEvent.Change(6, Kqueue.EVFILT_READ, Kqueue.EV_ERROR, b.Value),
        ];
        var events = new PollEvent[3];
        int n = KqueueBackend.Collect<TEvent>(raw, events);
        Assert.That(n, Is.EqualTo(2));
        Assert.That(events[0], Is.EqualTo(new PollEvent(Readiness.Readable | Readiness.Writable, a)));
        Assert.That(events[1], Is.EqualTo(new PollEvent(Readiness.Readable | Readiness.Error, b)));
    }

    [Test]
    public void LinuxOnlyFeaturesAreRefusedElsewhereByName()
    {
        // On Linux the check lets the feature through (these tests run on Linux only); elsewhere it throws Refusal's exception.
        LinuxOnly.Check("FileWatchSource (inotify(7))");
        PlatformNotSupportedException e = LinuxOnly.Refusal("FileWatchSource (inotify(7))", "Use System.IO.FileSystemWatcher.");
        Assert.That(e.Message, Is.EqualTo($"FileWatchSource (inotify(7)) needs Linux; this is {RuntimeInformation.OSDescription}. Use System.IO.FileSystemWatcher."));
        Assert.That(LinuxOnly.Refusal("X", null).Message, Is.EqualTo($"X needs Linux; this is {RuntimeInformation.OSDescription}."), "no alternative, no trailing text");
    }

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
