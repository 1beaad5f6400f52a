using System;
using System.Collections.Generic;

namespace Calloop.Hosting;

/// <summary>What <see cref="Microsoft.Extensions.DependencyInjection.EventLoopServiceCollectionExtensions.AddEventLoop{TData}"/> and its builder collected for one loop.</summary>
internal sealed class HostedLoopRegistration<TData>(Func<IServiceProvider, TData> createData)
{
    internal Func<IServiceProvider, TData> CreateData { get; } = createData;

    internal List<LoopSetup<TData>> Setups { get; } = [];

    internal EventLoopHostOptions Options { get; } = new();
}
