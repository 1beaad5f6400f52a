namespace Calloop.Generators.Model;

/// <summary>A composite source's own event, metadata and return types, fully qualified.</summary>
internal sealed record CompositeModel(string EventType, string MetadataType, string ReturnType);
