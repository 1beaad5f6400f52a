using System;
using NUnit.Framework;

namespace Calloop.Tests.Async;

/// <summary><see cref="TaskOutcome{T}"/>: what an executor's callback reads from a success, a failure and a cancellation.</summary>
public class TaskOutcomeTests
{
    [Test]
    public void ASuccessCarriesItsValue()
    {
        TaskOutcome<int> outcome = TaskOutcome<int>.Success(42);
        Assert.That(outcome.IsSuccess, Is.True);
        Assert.That(outcome.IsCanceled, Is.False);
        Assert.That(outcome.Exception, Is.Null);
        Assert.That(outcome.ValueOrDefault, Is.EqualTo(42));
        Assert.That(outcome.GetValue(), Is.EqualTo(42));
        var (value, exception) = outcome;
        Assert.That(value, Is.EqualTo(42));
        Assert.That(exception, Is.Null);
        Assert.That(outcome.ToString(), Is.EqualTo("Success(42)"));
    }

    [Test]
    public void AFailureCarriesTheExceptionAndRethrowsTheSameOne()
    {
        var error = new FormatException("bad input");
        TaskOutcome<string> outcome = TaskOutcome<string>.Failure(error);
        Assert.That(outcome.IsSuccess, Is.False);
        Assert.That(outcome.IsCanceled, Is.False);
        Assert.That(outcome.Exception, Is.SameAs(error));
        Assert.That(outcome.ValueOrDefault, Is.Null);
        Assert.That(Assert.Throws<FormatException>(() => outcome.GetValue()), Is.SameAs(error));
        var (value, exception) = outcome;
        Assert.That(value, Is.Null);
        Assert.That(exception, Is.SameAs(error));
        Assert.That(outcome.ToString(), Is.EqualTo("Failure(FormatException: bad input)"));
    }

    [Test]
    public void ACancellationIsAFailureThatSaysSo()
    {
        TaskOutcome<int> outcome = TaskOutcome<int>.Failure(new OperationCanceledException("stopped"));
        Assert.That(outcome.IsCanceled, Is.True);
        Assert.That(outcome.IsSuccess, Is.False);
        Assert.That(outcome.ValueOrDefault, Is.Zero);
        Assert.That(outcome.ToString(), Is.EqualTo("Failure(OperationCanceledException: stopped)"));
    }
}
