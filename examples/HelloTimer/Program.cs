// The calloop overview's example: a loop whose shared data is its own LoopSignal, and a two-second
// timer whose callback prints and stops the loop.
using System;
using Calloop;

// The loop is parameterised by the shared data its callbacks receive: here, a LoopSignal to stop it.
using var eventLoop = new EventLoop<LoopSignal>();

// The handle inserts sources; it may also be used from inside callbacks.
LoopHandle<LoopSignal> handle = eventLoop.Handle;

// A timer that expires in 2 seconds.
var source = TimerSource.FromDuration(TimeSpan.FromSeconds(2));

// The callback receives the event (the deadline), the source's metadata (none for a timer) and the
// shared data, by reference. A timer's callback says whether to fire again.
handle.InsertSource(source, (deadline, ref _, ref signal) =>
{
    Console.WriteLine($"Timeout for {deadline} expired!");
    signal.Stop();
    return TimeoutAction.Drop;
});

LoopSignal sharedData = eventLoop.Signal;

// Run until stopped, waiting at most 20 ms between dispatches; the last argument runs after each dispatch
// (drawing, in a GUI program).
eventLoop.Run(TimeSpan.FromMilliseconds(20), ref sharedData, (ref _) => { });
