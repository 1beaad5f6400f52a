// Both uses of the Calloop source generator: a shared-data class whose [OnEvent] methods handle two timers,
// a ping, a pipe and a composite source; and that composite, an [EventSource] class the generator implements.
// Runs for two seconds, then stops itself.
using System;
using Calloop;
using GeneratedApp;

using var loop = new EventLoop<App>();
var app = new App(loop.GetSignal());

// Generated: inserts every source of App with a dispatcher calling its handler directly.
RegistrationToken[] tokens = app.InsertSources(loop.Handle);
Console.WriteLine($"inserted {tokens.Length} sources");

loop.Run(TimeSpan.FromSeconds(1), ref app, null);

Console.WriteLine($"done: {app.Events} events handled");
app.Wakeup.Dispose();
app.ExtraBeat.Dispose();
app.PipeWriter.Dispose();
