using System;
using NUnit.Framework;

namespace Calloop.Tests.Loop;

/// <summary>The small public value types: equal by value, readable in logs and assertion messages.</summary>
public class ValueTypeTests
{
    [Test]
    public void FileDescriptorsAreEqualByNumberAndPrintTheNumber()
    {
        var seven = new FileDescriptor(7);
        var alsoSeven = new FileDescriptor(7);
        Assert.That(seven, Is.EqualTo(alsoSeven));
        Assert.That(seven == alsoSeven, Is.True);
        Assert.That(seven != new FileDescriptor(8), Is.True);
        Assert.That(seven.GetHashCode(), Is.EqualTo(alsoSeven.GetHashCode()));
        Assert.That(seven.ToString(), Is.EqualTo("fd 7"));
        Assert.That(seven.Equals((object)alsoSeven), Is.True);
        Assert.That(seven.Equals((object)7), Is.False);
    }

    [Test]
    public void FileWatchesAreEqualByDescriptorAndPrintIt()
    {
        var three = new FileWatch(3);
        var alsoThree = new FileWatch(3);
        Assert.That(three, Is.EqualTo(alsoThree));
        Assert.That(three != new FileWatch(4), Is.True);
        Assert.That(three == new FileWatch(4), Is.False);
        Assert.That(three.ToString(), Is.EqualTo("watch 3"));
        Assert.That(three.Equals((object)alsoThree), Is.True);
    }

    [Test]
    public void PollEventsAreEqualWhenReadinessAndTokenAre()
    {
        var token = new TokenFactory(2, 1).NextToken();
        var readable = new PollEvent(Readiness.Readable, token);
        Assert.That(readable, Is.EqualTo(new PollEvent(Readiness.Readable, token)));
        Assert.That(readable == new PollEvent(Readiness.Writable, token), Is.False);
        Assert.That(readable != new PollEvent(Readiness.Readable, new TokenFactory(2, 2).NextToken()), Is.True);
        Assert.That(readable.GetHashCode(), Is.EqualTo(new PollEvent(Readiness.Readable, token).GetHashCode()));
        Assert.That(readable.ToString(), Is.EqualTo("Readable for Token(slot 2, version 1, sub-id 0)"));
    }

    [Test]
    public void SourceInfoPrintsKindNameStateAndPolicy()
    {
        using var loop = new EventLoop<int>();
        RegistrationToken token = loop.Handle.InsertSource(TimerSource.FromDuration(TimeSpan.FromHours(1)), (_, ref _, ref _) => TimeoutAction.Drop, "tick");
        SourceInfo enabled = loop.Handle.GetSources()[0];
        Assert.That(enabled.ToString(), Is.EqualTo($"TimerSource \"tick\" ({token})"));

        loop.Handle.Disable(token);
        loop.Handle.SetErrorPolicy(token, ErrorPolicy.RemoveSource);
        SourceInfo disabled = loop.Handle.GetSources()[0];
        Assert.That(disabled.ToString(), Is.EqualTo($"TimerSource \"tick\" ({token}), disabled, policy {ErrorPolicy.RemoveSource}"));
        Assert.That(disabled, Is.Not.EqualTo(enabled));
        Assert.That(disabled == loop.Handle.GetSources()[0], Is.True);
        Assert.That(disabled != enabled, Is.True);
        Assert.That(disabled.Equals((object)enabled), Is.False);
    }
}
