namespace Calloop;

/// <summary>Settings for a new <see cref="EventLoop{TData}"/>.</summary>
public sealed class EventLoopOptions
{
    /// <summary>The readiness API to wait with. Default: <see cref="Backend.Default"/> (epoll on Linux).</summary>
    public Backend Backend { get; set; } = Backend.Default;

    /// <summary>What happens when a callback throws, for sources without a policy of their own. Default: <see cref="ErrorPolicy.Propagate"/>.</summary>
    public ErrorPolicy ErrorPolicy { get; set; } = ErrorPolicy.Propagate;

    /// <summary>The most poller events taken from the kernel per wait (the rest are taken by the next). Default 1024.</summary>
    public int MaxEventsPerWait { get; set; } = 1024;
}
