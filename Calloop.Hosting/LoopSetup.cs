using System;

namespace Calloop.Hosting;

/// <summary>
/// Inserts sources into a hosted loop, on the loop's thread, before it starts: call a generated <c>InsertSources</c>
/// here, or <see cref="LoopHandle{TData}"/>'s <c>InsertSource</c>.
/// </summary>
/// <typeparam name="TData">The loop's shared data.</typeparam>
/// <param name="handle">The loop's handle.</param>
/// <param name="data">The shared data, created by the factory given to <see cref="Microsoft.Extensions.DependencyInjection.EventLoopServiceCollectionExtensions.AddEventLoop{TData}(Microsoft.Extensions.DependencyInjection.IServiceCollection, Func{IServiceProvider, TData})"/>.</param>
/// <param name="services">The application's services.</param>
public delegate void LoopSetup<TData>(LoopHandle<TData> handle, ref TData data, IServiceProvider services);

/// <summary>Work posted to a hosted loop; it runs on the loop's thread with the loop's shared data.</summary>
/// <typeparam name="TData">The loop's shared data.</typeparam>
/// <param name="data">The shared data.</param>
public delegate void LoopAction<TData>(ref TData data);

/// <summary>Work posted to a hosted loop that produces a result; it runs on the loop's thread with the loop's shared data.</summary>
/// <typeparam name="TData">The loop's shared data.</typeparam>
/// <typeparam name="TResult">The result.</typeparam>
/// <param name="data">The shared data.</param>
public delegate TResult LoopFunc<TData, TResult>(ref TData data);
