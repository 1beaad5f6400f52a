namespace Calloop;

/// <summary>Creates executors: event sources that run async work on the loop thread.</summary>
public static class Executor
{
    /// <summary>
    /// Creates a connected pair: the <see cref="Executor{T}"/> to insert into a loop, and the thread-safe
    /// <see cref="Scheduler{T}"/> that hands it work.
    /// </summary>
    /// <example><code>
    /// var (executor, scheduler) = Executor.Create&lt;int&gt;();
    /// handle.InsertSource(executor, (outcome, ref _, ref data) => Console.WriteLine(outcome.GetValue()));
    /// scheduler.Schedule(async () => { await handle.Delay(TimeSpan.FromMilliseconds(10)); return 42; });
    /// </code></example>
    /// <exception cref="CalloopException">The wake-up descriptor (eventfd on Linux, pipe elsewhere) could not be created.</exception>
    public static (Executor<T> Executor, Scheduler<T> Scheduler) Create<T>()
    {
        var executor = new Executor<T>();
        return (executor, new Scheduler<T>(executor));
    }
}
