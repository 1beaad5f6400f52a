using System;
using Calloop;

// The runtime API by hand ...
using var loop = new EventLoop<Consumer>();
var (ping, pingSource) = Ping.Create();
loop.Handle.InsertSource(pingSource, (_, ref _, ref c) => Console.WriteLine("consumer: ping by hand"));
ping.Send();

// ... and a source wired by the generator that came with the package.
var consumer = new Consumer(loop.Signal);
consumer.InsertSources(loop.Handle);
loop.Run(TimeSpan.FromSeconds(5), ref consumer);
ping.Dispose();
Console.WriteLine("consumer: done");

internal sealed partial class Consumer(LoopSignal signal)
{
    private readonly TimerSource _timer = TimerSource.FromDuration(TimeSpan.FromMilliseconds(50));

    [OnEvent(nameof(_timer))]
    private TimeoutAction OnTimer(Instant deadline)
    {
        Console.WriteLine("consumer: generated timer handler");
        signal.Stop();
        return TimeoutAction.Drop;
    }
}
