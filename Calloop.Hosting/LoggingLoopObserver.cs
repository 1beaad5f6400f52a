using System;
using Microsoft.Extensions.Logging;

namespace Calloop.Hosting;

/// <summary>Logs what a hosted loop's observer is told.</summary>
internal sealed class LoggingLoopObserver(ILogger logger, string loopName) : LoopObserver
{
    private const string Unnamed = "(unnamed)";

    /// <summary>An exception that propagates ends the loop and is logged as a crash; one handled by the policy is logged here.</summary>
    public override void OnCallbackException(string? name, LoopExceptionEventArgs e)
    {
        if (e.Handled)
        {
            Log.CallbackFailed(logger, e.Exception, loopName, e.SourceName ?? (e.Source is null ? "(idle callback)" : Unnamed), e.Policy);
        }
    }

    public override void OnSourceDisabled(string? name, RegistrationToken source, string? sourceName, Exception exception) =>
        Log.SourceDisabled(logger, loopName, sourceName ?? Unnamed, source, exception.Message);

    public override void OnSourceRemoved(string? name, RegistrationToken source, string? sourceName, Exception exception) =>
        Log.SourceRemoved(logger, loopName, sourceName ?? Unnamed, source, exception.Message);

    public override void OnStall(string? name, RegistrationToken? source, string? sourceName, TimeSpan elapsed) =>
        Log.Stall(logger, loopName, sourceName ?? Unnamed, elapsed.TotalMilliseconds);
}
