using Calloop.Interop;
using NUnit.Framework;

namespace Calloop.Tests.Support;

/// <summary>The notification descriptor a fixture runs against.</summary>
public enum NotifierKind
{
    /// <summary>Linux's eventfd: the default here.</summary>
    EventFd,

    /// <summary>The non-blocking pipe used on macOS and FreeBSD, forced on Linux.</summary>
    Pipe,
}

/// <summary>
/// A fixture run once per <see cref="NotifierKind"/>: every notifier its tests create (loop wake-up, pings,
/// channels, signals, async work) is of that kind.
/// </summary>
public abstract class NotifierFixture(NotifierKind notifier)
{
    private bool _saved;

    /// <summary>The kind this run of the fixture uses.</summary>
    protected NotifierKind Notifier => notifier;

    [SetUp]
    public void SelectNotifier()
    {
        _saved = NotifyFd.UsePipe;
        NotifyFd.UsePipe = notifier == NotifierKind.Pipe;
    }

    [TearDown]
    public void RestoreNotifier() => NotifyFd.UsePipe = _saved;
}
