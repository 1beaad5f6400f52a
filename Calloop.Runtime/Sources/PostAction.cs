using Calloop.Sources;

namespace Calloop;

/// <summary>What the loop should do with a source after it processed its events.</summary>
/// <remarks>
/// <para>Two actions combine with <c>|</c> as calloop combines them: equal actions stay as they are, different
/// actions give <see cref="Reregister"/> (<c>Continue | Disable</c> is <c>Reregister</c>: a composite whose children
/// want different things re-registers every child). The values are chosen so that the bitwise <c>|</c> computes
/// exactly that, so <c>action |= child.ProcessEvents(...)</c>, ported literally from Rust, keeps its meaning, and a
/// <c>switch</c> over the four names still works.</para>
/// <para><c>default(PostAction)</c> is none of the four; the loop takes it as <see cref="Continue"/>. Start a
/// combination from <see cref="Continue"/>, not from <c>default</c>.</para>
/// </remarks>
public enum PostAction
{
    /// <summary>Keep the source as it is.</summary>
    Continue = 0b011,

    /// <summary>Unregister the source but keep it in the loop; <see cref="LoopHandle{TData}.Enable"/> brings it back.</summary>
    Disable = 0b101,

    /// <summary>Unregister the source and remove it from the loop (it is disposed if it is <see cref="System.IDisposable"/>).</summary>
    Remove = 0b110,

    /// <summary>Call <see cref="IEventSource.Reregister"/> (the source changed what it watches).</summary>
    Reregister = 0b111,
}
