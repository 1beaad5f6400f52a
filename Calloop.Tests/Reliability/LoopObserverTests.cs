using System;
using System.Collections.Generic;
using System.Diagnostics;
using Calloop.Tests.Support;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

public class LoopObserverTests
{
    private sealed class Recorder : LoopObserver
    {
        internal readonly List<string> Calls = [];

        public override void OnCallbackException(string? loopName, LoopExceptionEventArgs e) =>
            Calls.Add($"exception {loopName} {e.SourceName} {e.Policy} handled={e.Handled} {e.Exception.Message}");

        public override void OnSourceDisabled(string? loopName, RegistrationToken source, string? sourceName, Exception exception) =>
            Calls.Add($"disabled {loopName} {sourceName} {exception.Message}");

        public override void OnSourceRemoved(string? loopName, RegistrationToken source, string? sourceName, Exception exception) =>
            Calls.Add($"removed {loopName} {sourceName} {exception.Message}");

        public override void OnStall(string? loopName, RegistrationToken? source, string? sourceName, TimeSpan elapsed) =>
            Calls.Add($"stall {loopName} {sourceName} {elapsed >= TimeSpan.FromMilliseconds(20)}");
    }

    private static EventLoop<int> LoopWithThrowingPing(ErrorPolicy policy, Recorder recorder, out Ping ping, out RegistrationToken token)
    {
        var loop = new EventLoop<int>(new EventLoopOptions { Name = "main", Observer = recorder, ErrorPolicy = policy });
        var (p, source) = Ping.Create();
        ping = p;
        token = loop.Handle.InsertSource(source, (_, ref _, ref n) => throw new InvalidOperationException("boom"), name: "flaky");
        return loop;
    }

    [TestCase(ErrorPolicy.DisableSource, "disabled main flaky boom")]
    [TestCase(ErrorPolicy.RemoveSource, "removed main flaky boom")]
    public void ThePolicyPathIsReportedWithTheLoopAndSourceNames(ErrorPolicy policy, string second)
    {
        var recorder = new Recorder();
        using var loop = LoopWithThrowingPing(policy, recorder, out Ping ping, out _);
        using var _p = ping;
        ping.Send();
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(recorder.Calls, Is.EqualTo(new[] { $"exception main flaky {policy} handled=True boom", second }));
    }

    [Test]
    public void AnExceptionThatPropagatesIsReportedAsNotHandled()
    {
        var recorder = new Recorder();
        using var loop = LoopWithThrowingPing(ErrorPolicy.Propagate, recorder, out Ping ping, out _);
        using var _p = ping;
        ping.Send();
        int data = 0;
        Assert.Throws<InvalidOperationException>(() => loop.Dispatch(TimeSpan.Zero, ref data));
        Assert.That(recorder.Calls, Is.EqualTo(new[] { "exception main flaky Propagate handled=False boom" }));
    }

    [Test]
    public void ACallbackThatRunsPastTheThresholdIsReportedAsAStall()
    {
        var recorder = new Recorder();
        using var loop = new EventLoop<int>(new EventLoopOptions { Name = "main", Observer = recorder, StallThreshold = TimeSpan.FromMilliseconds(20) });
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) =>
        {
            // The work being measured: busy for at least the threshold (no sleep, so no scheduler slack either way).
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromMilliseconds(25))
            {
            }
            return TimeoutAction.Drop;
        }, name: "slow");
        loop.Handle.InsertSource(TimerSource.Immediate(), (_, ref _, ref _) => TimeoutAction.Drop, name: "quick");
        int data = 0;
        loop.Dispatch(TimeSpan.Zero, ref data);
        Assert.That(recorder.Calls, Is.EqualTo(new[] { "stall main slow True" }), "the quick timer is not a stall");
    }

    [Test]
    public void ASucceedingLoopNeverCallsItsObserverAndAllocatesNothing()
    {
        var recorder = new Recorder();
        using var loop = new EventLoop<int>(new EventLoopOptions { Observer = recorder, StallThreshold = TimeSpan.FromSeconds(10) });
        var (ping, source) = Ping.Create();
        using var _p = ping;
        loop.Handle.InsertSource(source, (_, ref _, ref n) => n++);
        int data = 0;
        long bytes = Alloc.Measure(1000, () =>
        {
            ping.Send();
            loop.Dispatch(TimeSpan.Zero, ref data);
        });
        Assert.That(bytes, Is.Zero);
        Assert.That(data, Is.EqualTo(Alloc.LastRuns));
        Assert.That(recorder.Calls, Is.Empty);
    }

    [Test]
    public void ANegativeStallThresholdIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoop<int>(new EventLoopOptions { StallThreshold = TimeSpan.FromTicks(-1) }));
}
