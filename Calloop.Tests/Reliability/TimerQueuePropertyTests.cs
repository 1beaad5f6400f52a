using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace Calloop.Tests.Reliability;

/// <summary>
/// Random sequences of <see cref="TimerQueue{T}"/> operations on fake time — add, cancel and reschedule (stale handles
/// included), clear, advance the clock, dispatch — checked after every step against a model that is a plain list: which
/// timers fired, in which order, and which handles are live with which deadlines. Some callbacks re-arm their timer once;
/// some move the clock on, so that timers come due while a batch runs (and a batch may fall behind its timers).
/// </summary>
/// <remarks>
/// The seeds are fixed, so a run is deterministic. <c>CALLOOP_PROPERTY_SEED</c> (a seed CsCheck printed) replays one
/// case; <c>CALLOOP_PROPERTY_ITER</c> runs more seeds than the default.
/// </remarks>
public class TimerQueuePropertyTests
{
    private const ulong BaseSeed = 0x71AE_B0E5;

    private enum Kind
    {
        Add,
        Cancel,
        Reschedule,
        Advance,
        Dispatch,
        Clear,
    }

    private readonly record struct Op(Kind Kind, int Target, int Amount)
    {
        public override string ToString() => $"{Kind}({Target},{Amount})";
    }

    // Offsets from now for deadlines, in microseconds: past, now, within one wheel tick, across levels; -1 is "never".
    private static readonly long[] DeadlineOffsetsUs = [-3000, -1, 0, 0, 1, 100, 1000, 1048, 2000, 5000, 64_000, 70_000, 4_200_000, 300_000_000, -1];

    // Clock advances, in microseconds.
    private static readonly long[] AdvancesUs = [0, 1, 100, 1000, 1048, 3000, 50_000, 1_000_000, 120_000_000, 5_000_000_000];

    // What a slow callback (payload % 4 == 1) moves the clock on by, in microseconds.
    private static readonly long[] CallbackAdvancesUs = [0, 1, 100, 1000, 3000, 70_000];

    private static readonly Gen<Op> OpGen =
        Gen.Select(
            Gen.Frequency(
                (20, Gen.Const(Kind.Add)), (8, Gen.Const(Kind.Cancel)), (10, Gen.Const(Kind.Reschedule)),
                (10, Gen.Const(Kind.Advance)), (12, Gen.Const(Kind.Dispatch)), (1, Gen.Const(Kind.Clear))),
            Gen.Int[0, 1000],
            Gen.Int[0, 1000],
            (k, t, a) => new Op(k, t, a));

    private static readonly Gen<Op[]> Sequences = OpGen.Array[1, 300];

    [Test]
    public void RandomOperationsMatchTheModel()
    {
        string? replay = Environment.GetEnvironmentVariable("CALLOOP_PROPERTY_SEED");
        if (replay is not null)
        {
            Sequences.Sample(Run, seed: replay, iter: 1, threads: 1);
            return;
        }
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("CALLOOP_PROPERTY_ITER"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 150;
        for (int i = 0; i < iterations; i++)
        {
            string seed = new PCG((uint)i, BaseSeed).ToString();
            try
            {
                Sequences.Sample(Run, seed: seed, iter: 1, threads: 1);
            }
            catch (CsCheckException)
            {
                // Deterministic so far; now let CsCheck search from the failing seed for the shortest failing sequence.
                Sequences.Sample(Run, seed: seed, iter: 20_000, time: 20, threads: 1);
                throw;
            }
        }
    }

    /// <summary>A timer as the model sees it.</summary>
    private sealed class ModelTimer(TimerQueueHandle handle, int payload, long deadlineNs, long sequence)
    {
        public TimerQueueHandle Handle { get; } = handle;
        public int Payload { get; } = payload;
        public long DeadlineNs { get; private set; } = deadlineNs;
        public long Sequence { get; private set; } = sequence;

        // Changes on every schedule and on cancel: a batch entry taken before it is stale.
        public int Stamp { get; private set; }

        // Scheduled and not yet taken into a batch.
        public bool Waiting { get; set; } = deadlineNs != long.MaxValue;

        public void Schedule(long deadlineNs, long sequence)
        {
            DeadlineNs = deadlineNs;
            Sequence = sequence;
            Stamp++;
            Waiting = deadlineNs != long.MaxValue;
        }

        public void Cancel()
        {
            Stamp++;
            Waiting = false;
        }
    }

    private sealed class Fired
    {
        public readonly List<(int Payload, long DeadlineNs)> Log = [];
        public readonly HashSet<int> Rearmed = [];
    }

    /// <summary>Payloads divisible by 3 re-arm once, this many milliseconds after they fired (0 included).</summary>
    private static TimeSpan? RearmAfter(int payload) => payload % 3 == 0 ? TimeSpan.FromMilliseconds(payload % 7) : null;

    /// <summary>How far payloads of 1 modulo 4 move the clock on from their callback.</summary>
    private static long CallbackAdvanceNs(int payload) => payload % 4 == 1 ? CallbackAdvancesUs[payload / 4 % CallbackAdvancesUs.Length] * 1000 : 0;

    private static void Run(Op[] ops)
    {
        var time = new FakeTimeProvider();
        using var loop = new EventLoop<Fired>(new EventLoopOptions { TimeProvider = time });
        var queue = new TimerQueue<int>();
        loop.Handle.InsertSource(queue, (payload, ref timer, ref fired) =>
        {
            fired.Log.Add((payload, timer.Deadline.Nanoseconds));
            time.Advance(TimeSpan.FromTicks(CallbackAdvanceNs(payload) / 100));
            if (RearmAfter(payload) is TimeSpan after && fired.Rearmed.Add(payload))
            {
                return TimeoutAction.ToDuration(after);
            }
            return TimeoutAction.Drop;
        });
        var fired = new Fired();
        var expectedLog = new List<(int Payload, long DeadlineNs)>();
        var handles = new List<TimerQueueHandle>();
        var live = new Dictionary<TimerQueueHandle, ModelTimer>();
        var rearmedInModel = new HashSet<int>();
        var remainder = new List<(ModelTimer Timer, int Stamp)>();
        long sequence = 0;
        int nextPayload = 0;

        // Takes the waiting timers due at clockNs and scheduled before floor out of the model's wheel, in firing order.
        List<(ModelTimer Timer, int Stamp)> TakeDue(long clockNs, long floor)
        {
            var due = live.Values.Where(t => t.Waiting && t.DeadlineNs <= clockNs && t.Sequence < floor)
                .OrderBy(t => t.DeadlineNs).ThenBy(t => t.Sequence).ToList();
            foreach (ModelTimer t in due)
            {
                t.Waiting = false;
            }
            return due.ConvertAll(t => (t, t.Stamp));
        }

        for (int step = 0; step < ops.Length; step++)
        {
            Op op = ops[step];
            long now = Instant.Now.Nanoseconds;
            switch (op.Kind)
            {
                case Kind.Add:
                {
                    long deadline = Deadline(now, op.Amount);
                    int payload = nextPayload++;
                    TimerQueueHandle h = queue.Add(Instant.FromNanoseconds(deadline), payload);
                    Check(!live.ContainsKey(h) && !handles.Contains(h), $"step {step}: {h} was issued before");
                    handles.Add(h);
                    live[h] = new ModelTimer(h, payload, deadline, sequence++);
                    break;
                }
                case Kind.Cancel when handles.Count > 0:
                {
                    TimerQueueHandle h = handles[op.Target % handles.Count];
                    bool expected = live.Remove(h, out ModelTimer? t);
                    t?.Cancel();
                    Check(queue.Cancel(h) == expected, $"step {step}: Cancel({h}) should return {expected}");
                    break;
                }
                case Kind.Reschedule when handles.Count > 0:
                {
                    TimerQueueHandle h = handles[op.Target % handles.Count];
                    long deadline = Deadline(now, op.Amount);
                    bool expected = live.TryGetValue(h, out ModelTimer? t);
                    Check(queue.Reschedule(h, Instant.FromNanoseconds(deadline)) == expected, $"step {step}: Reschedule({h}) should return {expected}");
                    t?.Schedule(deadline, sequence++);
                    break;
                }
                case Kind.Advance:
                    time.Advance(TimeSpan.FromTicks(AdvancesUs[op.Amount % AdvancesUs.Length] * 10));
                    break;
                case Kind.Dispatch:
                {
                    // The batch: the rest of an interrupted one (alone in its dispatch), else what is due when the dispatch
                    // starts, in (deadline, sequence) order. Then, pass after pass, what came due while it ran, except what
                    // its own callbacks scheduled (a pass that meets such a timer is the last), and at most as many as the
                    // batch went through; what a pass cannot run waits for the next dispatch. A timer re-armed by its
                    // callback fires at a later dispatch, even when due at once.
                    long floor = sequence;
                    long clock = now;
                    bool resumed = remainder.Count > 0;
                    List<(ModelTimer Timer, int Stamp)> batch = resumed ? remainder : TakeDue(clock, long.MaxValue);
                    remainder = [];
                    int budget = RunModel(batch, int.MaxValue);
                    while (budget > 0 && !resumed)
                    {
                        bool setAside = live.Values.Any(t => t.Waiting && t.DeadlineNs <= clock && t.Sequence >= floor);
                        List<(ModelTimer Timer, int Stamp)> late = TakeDue(clock, floor);
                        if (late.Count == 0)
                        {
                            break;
                        }
                        int ran = RunModel(late, budget);
                        budget -= ran;
                        if (ran < late.Count)
                        {
                            remainder = late.GetRange(ran, late.Count - ran);
                        }
                        if (setAside)
                        {
                            break;
                        }
                    }
                    loop.Dispatch(TimeSpan.Zero, ref fired);
                    break;

                    int RunModel(List<(ModelTimer Timer, int Stamp)> entries, int limit)
                    {
                        int consumed = 0;
                        foreach (var (t, stamp) in entries)
                        {
                            if (consumed == limit)
                            {
                                break;
                            }
                            consumed++;
                            if (t.Stamp != stamp || !live.ContainsKey(t.Handle))
                            {
                                continue;
                            }
                            expectedLog.Add((t.Payload, t.DeadlineNs));
                            clock += CallbackAdvanceNs(t.Payload);
                            if (RearmAfter(t.Payload) is TimeSpan after && rearmedInModel.Add(t.Payload))
                            {
                                t.Schedule(clock + (long)after.TotalNanoseconds, sequence++);
                            }
                            else
                            {
                                live.Remove(t.Handle);
                                t.Cancel();
                            }
                        }
                        return consumed;
                    }
                }
                case Kind.Clear:
                    queue.Clear();
                    live.Clear();
                    remainder.Clear();
                    break;
            }
            Check(fired.Log.SequenceEqual(expectedLog),
                $"step {step} ({op}): fired [{string.Join(", ", fired.Log)}], expected [{string.Join(", ", expectedLog)}]");
            Check(queue.Count == live.Count, $"step {step} ({op}): Count {queue.Count}, expected {live.Count}");
            foreach (TimerQueueHandle h in handles)
            {
                bool isLive = live.TryGetValue(h, out ModelTimer? t);
                Check(queue.Contains(h) == isLive, $"step {step} ({op}): Contains({h}) should be {isLive}");
                Check(!isLive || (queue.TryGetDeadline(h, out Instant d) && d.Nanoseconds == t!.DeadlineNs), $"step {step} ({op}): deadline of {h}");
            }
        }
    }

    private static long Deadline(long now, int amount)
    {
        long us = DeadlineOffsetsUs[amount % DeadlineOffsetsUs.Length];
        return amount % DeadlineOffsetsUs.Length == DeadlineOffsetsUs.Length - 1 ? long.MaxValue : now + us * 1000;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new ModelMismatchException(message);
        }
    }

    private sealed class ModelMismatchException(string message) : Exception(message);
}
