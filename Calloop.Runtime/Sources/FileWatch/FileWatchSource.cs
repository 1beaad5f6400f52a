using System.Runtime.Versioning;
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using Calloop.Interop;
using Calloop.Polling;
using Calloop.Sources;

namespace Calloop;

/// <summary>
/// An event source reporting file-system changes through inotify: files created, modified, deleted, moved (a
/// move's two halves share a <see cref="FileWatchEvent.Cookie"/>) in watched directories, or changes to watched
/// files. Watches can be added and removed at any time, also while the source is in a loop (on the loop's thread).
/// Linux only: elsewhere the constructor throws <see cref="PlatformNotSupportedException"/>.
/// </summary>
/// <remarks>
/// Each dispatch delivers the events of one read of the inotify descriptor (up to 64 KiB); more are delivered by the
/// next dispatch. Events carrying a file name allocate that name's string; the rest of the path allocates nothing.
/// When a callback throws, the events after it in that read are delivered at the next dispatch. When a watch goes
/// away (<see cref="Remove"/>, or its path deleted), a last event with <see cref="FileWatchKinds.WatchRemoved"/> is
/// delivered for it.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class FileWatchSource : IEventSource<FileWatchEvent, Unit, Unit>, IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly FdHandle _fd;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly Dictionary<int, string> _paths = [];
    private int _offset;
    private int _length;
    private FdRegistration _registration;
    private bool _disposed;

    /// <summary>Creates the inotify instance, with no watch yet.</summary>
    /// <exception cref="CalloopException">inotify_init1 failed (for example EMFILE: too many inotify instances).</exception>
    /// <exception cref="PlatformNotSupportedException">Not Linux (inotify is a Linux feature).</exception>
    public FileWatchSource()
    {
        LinuxOnly.Check("FileWatchSource (inotify(7))", "Use System.IO.FileSystemWatcher and a Channel to reach the loop.");
        int fd = Inotify.Init1(Inotify.IN_NONBLOCK | Inotify.IN_CLOEXEC);
        if (fd < 0)
        {
            throw CalloopException.FromErrno("inotify_init1", null, Marshal.GetLastPInvokeError());
        }
        _fd = new FdHandle(fd);
    }

    /// <summary>Number of live watches.</summary>
    public int WatchCount => _paths.Count;

    /// <summary>
    /// Watches <paramref name="path"/> (a directory: changes to its entries; a file: changes to it) for
    /// <paramref name="kinds"/>. Watching the same path again replaces its kinds and returns the same watch.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a NUL character, or <paramref name="kinds"/> names nothing to watch.</exception>
    /// <exception cref="CalloopException">inotify_add_watch failed: ENOENT (no such path), EACCES, ENOSPC (the user's watch limit), ...</exception>
    public FileWatch Add(string path, FileWatchKinds kinds)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.Contains('\0'))
        {
            throw new ArgumentException("FileWatchSource.Add: the path contains a NUL character, which the system would take as its end.", nameof(path));
        }
        uint mask = (uint)(kinds & FileWatchKinds.All);
        if (mask == 0)
        {
            throw new ArgumentException($"{kinds} names no change to watch: use one or more of Access ... MoveSelf, or All.", nameof(kinds));
        }
        int wd = Inotify.AddWatch(_fd.Fd, path, mask);
        if (wd < 0)
        {
            throw CalloopException.FromErrno($"inotify_add_watch(\"{path}\")", _fd.Fd, Marshal.GetLastPInvokeError());
        }
        _paths[wd] = path;
        return new FileWatch(wd);
    }

    /// <summary>Stops a watch; a last event with <see cref="FileWatchKinds.WatchRemoved"/> follows for it.</summary>
    /// <exception cref="ArgumentException">The watch is not one of this source's live watches.</exception>
    /// <exception cref="CalloopException">inotify_rm_watch failed.</exception>
    public void Remove(FileWatch watch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_paths.ContainsKey(watch.Descriptor))
        {
            throw new ArgumentException($"FileWatchSource.Remove: watch {watch.Descriptor} is not a live watch of this source.", nameof(watch));
        }
        if (Inotify.RemoveWatch(_fd.Fd, watch.Descriptor) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINVAL)
            {
                // The kernel dropped it already (path deleted); its WatchRemoved event is queued.
                return;
            }
            throw CalloopException.FromErrno($"inotify_rm_watch(watch {watch.Descriptor})", _fd.Fd, errno);
        }
    }

    /// <inheritdoc/>
    public bool NeedsLifecycleEvents => true;

    /// <summary>Asks for a dispatch without waiting while events of an interrupted read are still to be delivered.</summary>
    public PollEvent? BeforeSleep() => _registration.IsRegistered && _offset < _length ? new PollEvent(Readiness.Readable, _registration.Token) : null;

    /// <inheritdoc/>
    public void Register(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.Register(poll, ref tokenFactory, _fd.Fd);
    }

    /// <inheritdoc/>
    public void Reregister(Poll poll, ref TokenFactory tokenFactory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _registration.Reregister(poll, ref tokenFactory, _fd.Fd);
    }

    /// <inheritdoc/>
    public void Unregister(Poll poll)
    {
        _registration.Unregister(poll, _fd.Fd);
    }

    /// <inheritdoc/>
    public PostAction ProcessEvents<TCallback>(Readiness readiness, Token token, ref TCallback callback)
        where TCallback : IEventCallback<FileWatchEvent, Unit, Unit>, allows ref struct
    {
        if (!_registration.Owns(token))
        {
            return PostAction.Continue;
        }
        if (_offset >= _length && !Fill())
        {
            return PostAction.Continue;
        }
        Unit metadata = default;
        while (_offset + Inotify.EventHeaderSize <= _length)
        {
            ReadOnlySpan<byte> header = _buffer.AsSpan(_offset, Inotify.EventHeaderSize);
            int wd = BinaryPrimitives.ReadInt32LittleEndian(header);
            uint mask = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            uint cookie = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            int nameLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
            ReadOnlySpan<byte> nameBytes = _buffer.AsSpan(_offset + Inotify.EventHeaderSize, nameLength);
            _offset += Inotify.EventHeaderSize + nameLength;

            int end = nameBytes.IndexOf((byte)0);
            string? name = (end < 0 ? nameBytes : nameBytes[..end]) is { Length: > 0 } n ? Encoding.UTF8.GetString(n) : null;
            _paths.TryGetValue(wd, out string? path);
            var kinds = (FileWatchKinds)mask;
            if ((kinds & FileWatchKinds.WatchRemoved) != 0)
            {
                _paths.Remove(wd);
            }
            callback.Invoke(new FileWatchEvent(new FileWatch(wd), path, kinds, cookie, name), ref metadata);
        }
        return PostAction.Continue;
    }

    /// <summary>Closes the inotify descriptor (and with it every watch). Harmless when repeated.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _paths.Clear();
            _fd.Dispose();
        }
    }

    private unsafe bool Fill()
    {
        _offset = 0;
        _length = 0;
        while (true)
        {
            nint n;
            fixed (byte* p = _buffer)
            {
                n = Libc.Read(_fd.Fd, p, BufferSize);
            }
            if (n > 0)
            {
                _length = (int)n;
                return true;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (n < 0 && errno == Libc.EINTR)
            {
                continue;
            }
            if (n < 0 && errno == Libc.EAGAIN)
            {
                return false;
            }
            throw CalloopException.FromErrno("read (inotify)", _fd.Fd, n < 0 ? errno : Libc.EINVAL);
        }
    }
}
