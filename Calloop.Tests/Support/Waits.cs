using System;
using System.Diagnostics;
using System.Threading;
using NUnit.Framework;

namespace Calloop.Tests.Support;

/// <summary>
/// Bounded waits: a test that waits for the loop (or a thread) fails with a message after a deadline instead of
/// hanging the run when a wake-up is lost.
/// </summary>
internal static class Waits
{
    /// <summary>How long a test waits for something that takes milliseconds on an idle machine.</summary>
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Dispatches until <paramref name="condition"/> holds, failing with <paramref name="message"/> once
    /// <paramref name="timeout"/> has passed. Each dispatch may block until the deadline (it is not cut into short
    /// slices), so a lost wake-up is not hidden by polling: it shows up as this failure.
    /// </summary>
    internal static void DispatchUntil<TData>(EventLoop<TData> loop, ref TData data, Func<bool> condition, TimeSpan timeout, string message)
    {
        long start = Stopwatch.GetTimestamp();
        while (!condition())
        {
            TimeSpan left = timeout - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"{message} (not within {timeout.TotalSeconds:0.###} s)");
            }
            loop.Dispatch(left, ref data);
        }
    }

    /// <inheritdoc cref="DispatchUntil{TData}(EventLoop{TData}, ref TData, Func{bool}, TimeSpan, string)"/>
    internal static void DispatchUntil<TData>(EventLoop<TData> loop, ref TData data, Func<bool> condition, string message) =>
        DispatchUntil(loop, ref data, condition, Patience, message);

    /// <summary>Dispatches until the loop holds no source (every source removed itself), failing after <see cref="Patience"/>.</summary>
    internal static void DispatchUntilEmpty<TData>(EventLoop<TData> loop, ref TData data, string message) =>
        DispatchUntil(loop, ref data, () => loop.Handle.SourceCount == 0, Patience, message);

    /// <summary>Dispatches until the loop holds no source, failing after <paramref name="timeout"/>.</summary>
    internal static void DispatchUntilEmpty<TData>(EventLoop<TData> loop, ref TData data, TimeSpan timeout, string message) =>
        DispatchUntil(loop, ref data, () => loop.Handle.SourceCount == 0, timeout, message);

    /// <summary>
    /// <c>Dispatch(null)</c>, as the test means it (no timeout), guarded: should it not return within
    /// <see cref="Patience"/>, a watchdog wakes the loop and the test fails with <paramref name="message"/>.
    /// </summary>
    internal static void DispatchBlocking<TData>(EventLoop<TData> loop, ref TData data, string message)
    {
        using (Watchdog dog = Watch(loop))
        {
            loop.Dispatch(null, ref data);
            dog.AssertQuiet(message);
        }
    }

    /// <summary>Starts a watchdog that wakes <paramref name="loop"/> after <see cref="Patience"/>; dispose it when the guarded waits are over.</summary>
    internal static Watchdog Watch<TData>(EventLoop<TData> loop) => new(loop.Signal);

    /// <summary>Wakes a loop (through its <see cref="LoopSignal"/>) once <see cref="Patience"/> has passed, so that a blocking wait that lost its wake-up ends.</summary>
    internal sealed class Watchdog : IDisposable
    {
        private readonly Timer _timer;
        private int _fired;

        internal Watchdog(LoopSignal signal) =>
            _timer = new Timer(_ =>
            {
                Volatile.Write(ref _fired, 1);
                signal.Wakeup();
            }, null, Patience, Timeout.InfiniteTimeSpan);

        /// <summary>Fails with <paramref name="message"/> if the watchdog had to wake the loop.</summary>
        internal void AssertQuiet(string message)
        {
            if (Volatile.Read(ref _fired) != 0)
            {
                Assert.Fail($"{message} (the loop did not wake by itself within {Patience.TotalSeconds:0} s)");
            }
        }

        public void Dispose() => _timer.Dispose();
    }

    /// <summary>Joins <paramref name="thread"/>, failing with <paramref name="message"/> if it has not ended within <see cref="Patience"/>.</summary>
    internal static void Join(Thread thread, string message)
    {
        if (!thread.Join(Patience))
        {
            Assert.Fail($"{message} (thread still running after {Patience.TotalSeconds:0} s)");
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds (checked every millisecond), failing after <paramref name="timeout"/>.</summary>
    internal static void SpinUntil(Func<bool> condition, TimeSpan timeout, string message)
    {
        if (!SpinWait.SpinUntil(condition, timeout))
        {
            Assert.Fail($"{message} (not within {timeout.TotalSeconds:0.###} s)");
        }
    }

    /// <summary>A started background thread: one left blocked by a failed test does not keep the test host alive.</summary>
    internal static Thread Start(ThreadStart body)
    {
        var thread = new Thread(body) { IsBackground = true };
        thread.Start();
        return thread;
    }
}
