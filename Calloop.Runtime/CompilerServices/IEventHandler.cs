using System.Diagnostics.CodeAnalysis;
using Calloop.Sources;

namespace Calloop.CompilerServices;

/// <summary>
/// A handler called with a direct call instead of through a delegate: implement it on a struct and insert
/// the source with <see cref="LoopHandle{TData}.InsertSource{TEvent, TMetadata, TReturn, THandler}(IEventSource{TEvent, TMetadata, TReturn}, THandler, string?)"/>.
/// The source generator emits such structs.
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It handles a source's events; it is not a delegate, and the generator's output names it.")]
public interface IEventHandler<TEvent, TMetadata, TData, TReturn>
{
    /// <summary>Handles one event.</summary>
    TReturn Invoke(TEvent evt, ref TMetadata metadata, ref TData data);
}
