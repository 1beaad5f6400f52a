namespace Calloop.Generators.Model;

/// <summary>What parsing one type gives: a model to emit (null when nothing can be emitted) and the diagnostics to report.</summary>
internal sealed record ParseResult(string Key, TypeModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
