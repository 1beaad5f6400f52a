using System;
using Microsoft.Extensions.DependencyInjection;

namespace Calloop.Hosting;

/// <summary>Configures a loop added with <see cref="Microsoft.Extensions.DependencyInjection.EventLoopServiceCollectionExtensions.AddEventLoop{TData}(IServiceCollection, Func{IServiceProvider, TData})"/>.</summary>
/// <typeparam name="TData">The loop's shared data.</typeparam>
public sealed class EventLoopBuilder<TData>
{
    private readonly HostedLoopRegistration<TData> _registration;

    internal EventLoopBuilder(IServiceCollection services, HostedLoopRegistration<TData> registration)
    {
        Services = services;
        _registration = registration;
    }

    /// <summary>Gets the services the loop was added to.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds a setup step, run on the loop's thread before the loop starts, after the steps added before it.</summary>
    /// <param name="setup">Inserts sources: <c>(handle, ref app, services) =&gt; app.InsertSources(handle)</c>.</param>
    /// <returns>This builder.</returns>
    public EventLoopBuilder<TData> AddSetup(LoopSetup<TData> setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        _registration.Setups.Add(setup);
        return this;
    }

    /// <summary>Configures the loop's host settings.</summary>
    /// <param name="configure">Changes the settings.</param>
    /// <returns>This builder.</returns>
    public EventLoopBuilder<TData> Configure(Action<EventLoopHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_registration.Options);
        return this;
    }
}
