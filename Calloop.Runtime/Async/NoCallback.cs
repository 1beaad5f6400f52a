using Calloop.CompilerServices;

namespace Calloop;

/// <summary>The handler of internal sources that never call their callback (<see cref="IoSource"/>).</summary>
internal readonly struct NoCallback<TData> : IEventHandler<Unit, Unit, TData, Unit>
{
    public Unit Invoke(Unit evt, ref Unit metadata, ref TData data) => default;
}
