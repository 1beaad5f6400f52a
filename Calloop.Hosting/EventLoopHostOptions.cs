using System;

namespace Calloop.Hosting;

/// <summary>Settings for a loop run by the host (see <see cref="Microsoft.Extensions.DependencyInjection.EventLoopServiceCollectionExtensions.AddEventLoop{TData}(Microsoft.Extensions.DependencyInjection.IServiceCollection, Func{IServiceProvider, TData})"/>).</summary>
public sealed class EventLoopHostOptions
{
    /// <summary>
    /// Gets or sets the loop's name: the name of its thread, of its logger scope and its metrics' <c>calloop.loop.name</c>
    /// tag. Default null: the name of the data type.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// Gets or sets a callback that configures the loop's <see cref="EventLoopOptions"/> (error policy, backend, timer
    /// slack, stall threshold). The host fills in what it leaves unset: <see cref="EventLoopOptions.Name"/>, a logging
    /// <see cref="EventLoopOptions.Observer"/>, and the <see cref="EventLoopOptions.MeterFactory"/> and
    /// <see cref="EventLoopOptions.TimeProvider"/> registered as services, if any (register a <c>FakeTimeProvider</c> to test a hosted loop's timers on fake time).
    /// </summary>
    public Action<EventLoopOptions>? ConfigureLoop { get; set; }

    /// <summary>Gets or sets what the host does when the loop's thread ends with an exception. Default <see cref="LoopCrashBehavior.StopHost"/>.</summary>
    public LoopCrashBehavior CrashBehavior { get; set; } = LoopCrashBehavior.StopHost;

    /// <summary>
    /// Gets or sets whether the host stops when the loop stops by itself (a callback called <see cref="LoopSignal.Stop"/>,
    /// or <see cref="ErrorPolicy.StopLoop"/> applied). Default true: the loop is the program.
    /// </summary>
    public bool StopHostWhenLoopStops { get; set; } = true;
}
