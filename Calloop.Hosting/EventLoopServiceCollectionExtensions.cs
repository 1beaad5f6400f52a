using System;
using Calloop.Hosting;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Calloop event loops to an application's services.</summary>
public static class EventLoopServiceCollectionExtensions
{
    /// <summary>
    /// Adds an event loop that the host runs on a thread of its own: created when the host starts, with its shared data
    /// made by <paramref name="createData"/> and its sources inserted by the builder's setup steps (both on the loop's
    /// thread), stopped gracefully when the host stops. Other services post work to it through
    /// <see cref="EventLoopDispatcher{TData}"/>, which this registers.
    /// </summary>
    /// <typeparam name="TData">The loop's shared data; one loop per type.</typeparam>
    /// <param name="services">The application's services.</param>
    /// <param name="createData">Creates the shared data, on the loop's thread, from the application's services.</param>
    /// <returns>A builder that adds setup steps and settings.</returns>
    /// <exception cref="InvalidOperationException">A loop with the same data type was added already.</exception>
    public static EventLoopBuilder<TData> AddEventLoop<TData>(this IServiceCollection services, Func<IServiceProvider, TData> createData)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(createData);
        foreach (ServiceDescriptor descriptor in services)
        {
            if (descriptor.ServiceType == typeof(HostedLoopRegistration<TData>))
            {
                throw new InvalidOperationException($"An event loop with data type {typeof(TData).Name} was added already; a host runs one loop per data type.");
            }
        }
        var registration = new HostedLoopRegistration<TData>(createData);
        services.AddSingleton(registration);
        services.AddSingleton(static _ => new EventLoopDispatcher<TData>());
        services.AddSingleton<HostedLoopService<TData>>();
        services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<HostedLoopService<TData>>());
        return new EventLoopBuilder<TData>(services, registration);
    }
}
