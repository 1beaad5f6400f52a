using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

public class FileWatchSourceTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory()
    {
        _dir = Path.Combine(Path.GetTempPath(), "calloop-watch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private static RegistrationToken Insert(EventLoop<List<FileWatchEvent>> loop, FileWatchSource source) =>
        loop.Handle.InsertSource(source, (evt, ref _, ref seen) => seen.Add(evt));

    private static void DispatchUntil(EventLoop<List<FileWatchEvent>> loop, List<FileWatchEvent> seen, Func<List<FileWatchEvent>, bool> done)
    {
        var watch = Stopwatch.StartNew();
        while (!done(seen) && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            loop.Dispatch(TimeSpan.FromSeconds(1), ref seen);
        }
        Assert.That(done(seen), Is.True, "expected events arrived: " + string.Join(", ", seen));
    }

    [Test]
    public void SeesCreateModifyRenameWithMatchingCookiesAndDelete()
    {
        using var loop = new EventLoop<List<FileWatchEvent>>();
        var source = new FileWatchSource();
        FileWatch watch = source.Add(_dir, FileWatchKinds.Create | FileWatchKinds.Modify | FileWatchKinds.Delete | FileWatchKinds.Move);
        Insert(loop, source);

        string a = Path.Combine(_dir, "a.txt");
        string b = Path.Combine(_dir, "b.txt");
        File.WriteAllText(a, "hello");
        File.AppendAllText(a, " world");
        File.Move(a, b);
        File.Delete(b);

        var seen = new List<FileWatchEvent>();
        DispatchUntil(loop, seen, s => s.Exists(e => e.Kinds == FileWatchKinds.Delete));

        FileWatchEvent create = seen.Find(e => e.Kinds == FileWatchKinds.Create);
        Assert.That(create.Name, Is.EqualTo("a.txt"));
        Assert.That(create.Watch, Is.EqualTo(watch));
        Assert.That(create.WatchedPath, Is.EqualTo(_dir));
        Assert.That(seen.Exists(e => e.Kinds == FileWatchKinds.Modify && e.Name == "a.txt"), Is.True);
        FileWatchEvent from = seen.Find(e => e.Kinds == FileWatchKinds.MovedFrom);
        FileWatchEvent to = seen.Find(e => e.Kinds == FileWatchKinds.MovedTo);
        Assert.That(from.Name, Is.EqualTo("a.txt"));
        Assert.That(to.Name, Is.EqualTo("b.txt"));
        Assert.That(from.Cookie, Is.Not.Zero);
        Assert.That(to.Cookie, Is.EqualTo(from.Cookie));
        Assert.That(seen.Find(e => e.Kinds == FileWatchKinds.Delete).Name, Is.EqualTo("b.txt"));
        Assert.That(seen.FindIndex(e => e.Kinds == FileWatchKinds.Create), Is.LessThan(seen.FindIndex(e => e.Kinds == FileWatchKinds.MovedFrom)));
    }

    [Test]
    public void WatchesCanBeAddedAndRemovedWhileRegistered()
    {
        using var loop = new EventLoop<List<FileWatchEvent>>();
        var source = new FileWatchSource();
        Insert(loop, source);
        string sub = Path.Combine(_dir, "sub");
        Directory.CreateDirectory(sub);

        FileWatch watch = source.Add(sub, FileWatchKinds.Create);
        Assert.That(source.WatchCount, Is.EqualTo(1));
        File.WriteAllText(Path.Combine(sub, "x"), "");
        var seen = new List<FileWatchEvent>();
        DispatchUntil(loop, seen, s => s.Exists(e => e.Name == "x"));
        Assert.That(seen[0].Kinds, Is.EqualTo(FileWatchKinds.Create));
        Assert.That(seen[0].WatchedPath, Is.EqualTo(sub));

        source.Remove(watch);
        seen.Clear();
        DispatchUntil(loop, seen, s => s.Exists(e => (e.Kinds & FileWatchKinds.WatchRemoved) != 0));
        Assert.That(source.WatchCount, Is.Zero);
        Assert.Throws<ArgumentException>(() => source.Remove(watch));

        // Nothing more from the removed watch: a change under a second watch arrives alone.
        FileWatch other = source.Add(_dir, FileWatchKinds.Create);
        Assert.That(other, Is.Not.EqualTo(watch));
        File.WriteAllText(Path.Combine(sub, "y"), "");
        File.WriteAllText(Path.Combine(_dir, "z"), "");
        seen.Clear();
        DispatchUntil(loop, seen, s => s.Exists(e => e.Name == "z"));
        Assert.That(seen.Exists(e => e.Name == "y"), Is.False);
    }

    [Test]
    public void ABadPathIsAClearError()
    {
        using var source = new FileWatchSource();
        var e = Assert.Throws<CalloopException>(() => source.Add(Path.Combine(_dir, "missing"), FileWatchKinds.All));
        Assert.That(e!.Message, Does.Contain("inotify_add_watch").And.Contain("ENOENT"));
        Assert.Throws<ArgumentException>(() => source.Add(_dir, FileWatchKinds.None));
    }

    [Test]
    public void EventsAfterAThrowingCallbackAreDeliveredNextDispatch()
    {
        using var loop = new EventLoop<List<FileWatchEvent>>();
        var source = new FileWatchSource();
        source.Add(_dir, FileWatchKinds.Create);
        bool thrown = false;
        loop.Handle.InsertSource(source, (evt, ref _, ref seen) =>
        {
            seen.Add(evt);
            if (!thrown)
            {
                thrown = true;
                throw new InvalidOperationException("boom");
            }
        });
        File.WriteAllText(Path.Combine(_dir, "1"), "");
        File.WriteAllText(Path.Combine(_dir, "2"), "");
        var seen = new List<FileWatchEvent>();
        Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.FromSeconds(5), ref seen));
        DispatchUntil(loop, seen, s => s.Exists(e => e.Name == "2"));
        Assert.That(seen.ConvertAll(e => e.Name), Is.EqualTo(new[] { "1", "2" }));
    }

    [Test]
    public void FileWatchSourcesLeakNoDescriptors()
    {
        int before = Fds.OpenCountBefore();
        for (int i = 0; i < 10; i++)
        {
            using var loop = new EventLoop<List<FileWatchEvent>>();
            var source = new FileWatchSource();
            source.Add(_dir, FileWatchKinds.All);
            Insert(loop, source);
        }
        Assert.That(Fds.OpenCount(), Is.EqualTo(before));
    }

    [Test]
    public void RemovingAWatchTheKernelAlreadyDroppedIsHarmlessAndItsLastEventStillArrives()
    {
        using var loop = new EventLoop<List<FileWatchEvent>>();
        var source = new FileWatchSource();
        Insert(loop, source);
        string sub = Path.Combine(_dir, "gone");
        Directory.CreateDirectory(sub);
        FileWatch watch = source.Add(sub, FileWatchKinds.Create);
        Directory.Delete(sub); // the kernel drops the watch of a deleted directory

        source.Remove(watch);
        var seen = new List<FileWatchEvent>();
        DispatchUntil(loop, seen, s => s.Exists(e => (e.Kinds & FileWatchKinds.WatchRemoved) != 0));
        Assert.That(seen.Find(e => (e.Kinds & FileWatchKinds.WatchRemoved) != 0).Watch, Is.EqualTo(watch));
        Assert.That(source.WatchCount, Is.Zero);
    }

    [Test]
    public void AnUpdatedSourceKeepsDeliveringEvents()
    {
        using var loop = new EventLoop<List<FileWatchEvent>>();
        var source = new FileWatchSource();
        source.Add(_dir, FileWatchKinds.Create);
        RegistrationToken token = Insert(loop, source);
        loop.Handle.Update(token);
        File.WriteAllText(Path.Combine(_dir, "after-update"), "");
        var seen = new List<FileWatchEvent>();
        DispatchUntil(loop, seen, s => s.Exists(e => e.Name == "after-update"));
        Assert.That(seen, Has.Count.EqualTo(1));
    }

    [Test]
    public void MisusedWatchesAndPathsAreRefusedClearly()
    {
        using var source = new FileWatchSource();
        FileWatch mine = source.Add(_dir, FileWatchKinds.Create);
        var unknown = new FileWatch(mine.Descriptor + 100);
        var e = Assert.Throws<ArgumentException>(() => source.Remove(unknown));
        Assert.That(e!.Message, Does.StartWith($"FileWatchSource.Remove: watch {unknown.Descriptor} is not a live watch of this source."));
        var nul = Assert.Throws<ArgumentException>(() => source.Add(_dir + "\0x", FileWatchKinds.Create));
        Assert.That(nul!.Message, Does.Contain("NUL"));
        Assert.That(source.WatchCount, Is.EqualTo(1), "the refused calls changed nothing");

        source.Dispose();
        Assert.Throws<ObjectDisposedException>(() => source.Add(_dir, FileWatchKinds.Create));
        Assert.Throws<ObjectDisposedException>(() => source.Remove(mine));
    }

    [Test]
    public void DisposingTwiceClosesNoDescriptorReusedInBetween()
    {
        var source = new FileWatchSource();
        source.Add(_dir, FileWatchKinds.Create);
        source.Dispose();
        var (r, w) = Fds.Pipe(); // takes the lowest free numbers: those the first Dispose closed
        using (r)
        using (w)
        {
            source.Dispose();
            Assert.That(Fds.Write(w, "x"u8), Is.EqualTo(1), "the second Dispose closed nothing of someone else's");
            Assert.That(Fds.Read(r, new byte[1]), Is.EqualTo(1));
        }
    }
}
