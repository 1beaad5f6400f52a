namespace Calloop;

/// <summary>A unit of work the loop runs from a <see cref="LoopWorkQueue"/> (a scheduled job, a stream pump step).</summary>
internal abstract class LoopWork
{
    /// <summary>Runs the work on the loop thread, under the queue's synchronization context.</summary>
    internal abstract void Execute();
}
