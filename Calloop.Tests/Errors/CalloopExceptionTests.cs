using NUnit.Framework;

namespace Calloop.Tests.Errors;

/// <summary>The messages users read when a system call fails: operation, descriptor, errno name and number.</summary>
public class CalloopExceptionTests
{
    [TestCase(1, "EPERM")]
    [TestCase(2, "ENOENT")]
    [TestCase(3, "ESRCH")]
    [TestCase(4, "EINTR")]
    [TestCase(9, "EBADF")]
    [TestCase(10, "ECHILD")]
    [TestCase(11, "EAGAIN")]
    [TestCase(12, "ENOMEM")]
    [TestCase(13, "EACCES")]
    [TestCase(17, "EEXIST")]
    [TestCase(22, "EINVAL")]
    [TestCase(23, "ENFILE")]
    [TestCase(24, "EMFILE")]
    [TestCase(28, "ENOSPC")]
    [TestCase(32, "EPIPE")]
    [TestCase(38, "ENOSYS")]
    [TestCase(104, "ECONNRESET")]
    public void AFailedCallNamesItsOperationDescriptorAndErrno(int errno, string name)
    {
        var e = new CalloopException("epoll_ctl(ADD)", 42, errno);
        Assert.That(e.Message, Does.StartWith($"epoll_ctl(ADD) failed for fd 42: {name} ("));
        Assert.That(e.Message, Does.EndWith($", errno {errno})."));
        Assert.That((e.Operation, e.FileDescriptor, e.Errno), Is.EqualTo(("epoll_ctl(ADD)", (int?)42, (int?)errno)));
    }

    [Test]
    public void AnErrnoWithoutANameIsShownAsItsNumberAndACallWithoutDescriptorSaysNoFd()
    {
        var e = new CalloopException("ppoll", null, 1234);
        Assert.That(e.Message, Does.StartWith("ppoll failed: errno 1234 ("));
        Assert.That(e.FileDescriptor, Is.Null);
    }

    [Test]
    public void ANamedSourcePrefixesTheMessageAndKeepsTheErrno()
    {
        var named = new CalloopException("epoll_ctl(ADD)", 7, 9).ForSource("uplink");
        Assert.That(named.Message, Does.StartWith("source 'uplink': epoll_ctl(ADD) failed for fd 7: EBADF"));
        Assert.That((named.Errno, named.FileDescriptor), Is.EqualTo(((int?)9, (int?)7)));

        var plain = new CalloopException("CountingSource.Register failed on purpose.").ForSource("uplink");
        Assert.That(plain.Message, Is.EqualTo("source 'uplink': CountingSource.Register failed on purpose."));
        Assert.That(plain.InnerException, Is.Not.Null);
        Assert.That(plain.Errno, Is.Null);
    }

    [Test]
    public void InsertingANamedSourceWhoseDescriptorIsClosedNamesTheSourceInTheError()
    {
        using var loop = new EventLoop<int>();
        var e = Assert.Throws<CalloopException>(() =>
            loop.Handle.InsertSource(Generic.From(new FileDescriptor(999_999), Interest.Readable, Mode.Level), (_, ref _, ref _) => PostAction.Continue, name: "ghost"));
        Assert.That(e!.Message, Does.StartWith("source 'ghost': epoll_ctl(ADD) failed for fd 999999: EBADF"));
        Assert.That(loop.Handle.SourceCount, Is.Zero);
    }
}
