using Microsoft.CodeAnalysis;

namespace Calloop.Generators.Model;

/// <summary>A diagnostic kept as values until it is reported.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public Diagnostic ToDiagnostic()
    {
        object?[] args = new object?[Arguments.Count];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = Arguments[i];
        }
        return Diagnostic.Create(Descriptor, Location?.ToLocation(), args);
    }
}
