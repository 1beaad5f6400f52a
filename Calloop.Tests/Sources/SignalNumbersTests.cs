using System.Runtime.InteropServices;
using NUnit.Framework;

namespace Calloop.Tests.Sources;

/// <summary>
/// <see cref="PosixSignal"/> (named members are negative) to and from Linux signal numbers, and the names a
/// <see cref="SignalEvent"/> prints.
/// </summary>
public class SignalNumbersTests
{
    [TestCase(PosixSignal.SIGHUP, 1)]
    [TestCase(PosixSignal.SIGINT, 2)]
    [TestCase(PosixSignal.SIGQUIT, 3)]
    [TestCase(PosixSignal.SIGTERM, 15)]
    [TestCase(PosixSignal.SIGCHLD, 17)]
    [TestCase(PosixSignal.SIGCONT, 18)]
    [TestCase(PosixSignal.SIGWINCH, 28)]
    [TestCase(PosixSignal.SIGTTIN, 21)]
    [TestCase(PosixSignal.SIGTTOU, 22)]
    [TestCase(PosixSignal.SIGTSTP, 20)]
    public void ANamedSignalMapsToItsLinuxNumberAndBack(PosixSignal signal, int number)
    {
        Assert.That(SignalNumbers.ToNumber(signal), Is.EqualTo(number));
        Assert.That(SignalNumbers.ToPosixSignal(number), Is.EqualTo(signal));
        Assert.That(new SignalEvent(number).Signal, Is.EqualTo(signal));
    }

    [TestCase(10)] // SIGUSR1
    [TestCase(12)] // SIGUSR2
    [TestCase(1)]
    [TestCase(SignalNumbers.Max)]
    public void ARawNumberIsItsOwnNumber(int number) =>
        Assert.That(SignalNumbers.ToNumber((PosixSignal)number), Is.EqualTo(number));

    [TestCase(10)]
    [TestCase(12)]
    [TestCase(34)] // SIGRTMIN
    public void ANumberWithoutANamedMemberStaysRaw(int number) =>
        Assert.That(new SignalEvent(number).Signal, Is.EqualTo((PosixSignal)number));

    [TestCase(0)]
    [TestCase(SignalNumbers.Max + 1)]
    [TestCase(-11)] // below the named members
    public void AValueNamingNoSignalIsZero(int value) =>
        Assert.That(SignalNumbers.ToNumber((PosixSignal)value), Is.Zero);

    [TestCase(1, "SIGHUP (1)")]
    [TestCase(2, "SIGINT (2)")]
    [TestCase(3, "SIGQUIT (3)")]
    [TestCase(9, "SIGKILL (9)")]
    [TestCase(10, "SIGUSR1 (10)")]
    [TestCase(12, "SIGUSR2 (12)")]
    [TestCase(14, "SIGALRM (14)")]
    [TestCase(15, "SIGTERM (15)")]
    [TestCase(17, "SIGCHLD (17)")]
    [TestCase(19, "SIGSTOP (19)")]
    [TestCase(28, "signal 28")]
    [TestCase(40, "signal 40")]
    public void ASignalEventPrintsTheSignalsNameAndNumber(int number, string expected)
    {
        Assert.That(SignalNumbers.Describe(number), Is.EqualTo(expected));
        Assert.That(new SignalEvent(number).ToString(), Is.EqualTo(expected));
    }

    [Test]
    public void SigkillAndSigstopHaveTheirLinuxNumbers()
    {
        Assert.That(SignalNumbers.Kill, Is.EqualTo(9));
        Assert.That(SignalNumbers.Stop, Is.EqualTo(19));
    }
}
