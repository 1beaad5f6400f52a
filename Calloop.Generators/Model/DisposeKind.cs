namespace Calloop.Generators.Model;

/// <summary>How a composite's generated <c>Dispose</c> disposes an inner source.</summary>
internal enum DisposeKind
{
    /// <summary>The source cannot be disposable (a struct that does not implement <c>IDisposable</c>).</summary>
    None,

    /// <summary>The source's type implements <c>IDisposable</c>: call it.</summary>
    Direct,

    /// <summary>The source's type may be disposable at run time: test with <c>as</c>.</summary>
    Test,
}
