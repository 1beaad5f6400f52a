using System;
using Calloop;
using Calloop.Sources;

namespace GeneratedApp;

/// <summary>
/// A composite event source written with two attributes: a timer that beats every 100 ms and a ping that
/// asks for an extra beat at once. The generator writes its whole IEventSource implementation; the handlers
/// raise the composite's own event (the beat number) through <c>emit</c>.
/// </summary>
[EventSource]
public sealed partial class Heartbeat : IEventSource<int, string, Unit>
{
    private readonly TimerSource _timer = TimerSource.FromDuration(TimeSpan.FromMilliseconds(100));
    private readonly PingSource _extra;
    private string _cause = "";
    private int _beats;

    /// <summary>Creates the heartbeat; <paramref name="extra"/> sends a beat out of turn.</summary>
    public Heartbeat(out Ping extra) => (extra, _extra) = Ping.Create();

    [OnEvent(nameof(_timer))]
    private TimeoutAction OnTimer<TEmit>(Instant deadline, ref TEmit emit)
        where TEmit : IEventCallback<int, string, Unit>, allows ref struct
    {
        _cause = "timer";
        emit.Invoke(++_beats, ref _cause);
        return TimeoutAction.ToDuration(TimeSpan.FromMilliseconds(100));
    }

    [OnEvent(nameof(_extra))]
    private void OnExtra<TEmit>(Unit _, ref TEmit emit)
        where TEmit : IEventCallback<int, string, Unit>, allows ref struct
    {
        _cause = "ping";
        emit.Invoke(++_beats, ref _cause);
    }
}
