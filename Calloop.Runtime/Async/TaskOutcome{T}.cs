using System;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks;

namespace Calloop;

/// <summary>
/// How a piece of async work ended: its value, or the exception it threw (an
/// <see cref="OperationCanceledException"/> when it was canceled). The event of an <see cref="Executor{T}"/>.
/// </summary>
/// <typeparam name="T">The work's result type.</typeparam>
public readonly struct TaskOutcome<T>
{
    private readonly T _value;
    private readonly ExceptionDispatchInfo? _error;

    private TaskOutcome(T value, ExceptionDispatchInfo? error)
    {
        _value = value;
        _error = error;
    }

    /// <summary>True when the work returned a value.</summary>
    public bool IsSuccess => _error is null;

    /// <summary>True when the work was canceled.</summary>
    public bool IsCanceled => _error?.SourceException is OperationCanceledException;

    /// <summary>The exception the work threw, or null when it succeeded.</summary>
    public Exception? Exception => _error?.SourceException;

    /// <summary>The value, or the default of <typeparamref name="T"/> when the work failed.</summary>
    public T? ValueOrDefault => _value;

    /// <summary>The value; rethrows the work's exception (with its original stack trace) when it failed.</summary>
    public T GetValue()
    {
        _error?.Throw();
        return _value;
    }

    /// <summary>Deconstructs into the value (default when failed) and the exception (null when succeeded).</summary>
    public void Deconstruct(out T? value, out Exception? exception)
    {
        value = _value;
        exception = Exception;
    }

    /// <inheritdoc/>
    public override string ToString() => _error is null ? $"Success({_value})" : $"Failure({_error.SourceException.GetType().Name}: {_error.SourceException.Message})";

    internal static TaskOutcome<T> Success(T value) => new(value, null);

    internal static TaskOutcome<T> Failure(Exception error) => new(default!, ExceptionDispatchInfo.Capture(error));

    /// <summary>The outcome of a completed task, with the exception <c>await</c> would throw.</summary>
    internal static TaskOutcome<T> FromCompleted(Task<T> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return Success(task.Result);
        }
        try
        {
            return Success(task.GetAwaiter().GetResult());
        }
        catch (Exception e)
        {
            return Failure(e);
        }
    }
}
