namespace Calloop;

/// <summary>What a source does after each item of a <see cref="LoopWorkQueue"/> batch (deliver finished results).</summary>
internal interface IAfterWork
{
    /// <summary>Delivers whatever the last item finished.</summary>
    void AfterWork();

    /// <summary>True when results are still waiting for delivery (a callback threw).</summary>
    bool HasPending { get; }
}
