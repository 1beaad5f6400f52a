using Calloop.Sources;

namespace Calloop.CompilerServices;

/// <summary>
/// A handler called with a direct call instead of through a delegate: implement it on a struct and insert
/// the source with <see cref="LoopHandle{TData}.InsertSource{TEvent, TMetadata, TReturn, THandler}(IEventSource{TEvent, TMetadata, TReturn}, THandler, string?)"/>.
/// The source generator emits such structs.
/// </summary>
public interface IEventHandler<TEvent, TMetadata, TData, TReturn>
{
    /// <summary>Handles one event.</summary>
    TReturn Invoke(TEvent @event, ref TMetadata metadata, ref TData data);
}
