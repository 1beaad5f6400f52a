using System;
using Microsoft.Extensions.Logging;

namespace Calloop.Hosting;

/// <summary>The hosting package's log messages; their event IDs are stable.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "LoopStarted", Level = LogLevel.Information, Message = "Event loop {LoopName} started on thread {ThreadId}.")]
    internal static partial void LoopStarted(ILogger logger, string loopName, int threadId);

    [LoggerMessage(EventId = 2, EventName = "LoopStopped", Level = LogLevel.Information, Message = "Event loop {LoopName} stopped; {PendingCount} posted items left unrun.")]
    internal static partial void LoopStopped(ILogger logger, string loopName, int pendingCount);

    [LoggerMessage(EventId = 3, EventName = "CallbackFailed", Level = LogLevel.Error, Message = "A callback of event loop {LoopName} threw (source {SourceName}, error policy {Policy}); the loop goes on.")]
    internal static partial void CallbackFailed(ILogger logger, Exception exception, string loopName, string sourceName, ErrorPolicy policy);

    [LoggerMessage(EventId = 4, EventName = "SourceDisabled", Level = LogLevel.Warning, Message = "Event loop {LoopName} disabled source {SourceName} ({Source}) after its callback threw: {ExceptionMessage}")]
    internal static partial void SourceDisabled(ILogger logger, string loopName, string sourceName, RegistrationToken source, string exceptionMessage);

    [LoggerMessage(EventId = 5, EventName = "SourceRemoved", Level = LogLevel.Warning, Message = "Event loop {LoopName} removed source {SourceName} ({Source}) after its callback threw: {ExceptionMessage}")]
    internal static partial void SourceRemoved(ILogger logger, string loopName, string sourceName, RegistrationToken source, string exceptionMessage);

    [LoggerMessage(EventId = 6, EventName = "Stall", Level = LogLevel.Warning, Message = "A callback of source {SourceName} held event loop {LoopName} for {ElapsedMilliseconds} ms.")]
    internal static partial void Stall(ILogger logger, string loopName, string sourceName, double elapsedMilliseconds);

    [LoggerMessage(EventId = 7, EventName = "LoopCrashed", Level = LogLevel.Critical, Message = "Event loop {LoopName} ended with an exception; {Consequence}.")]
    internal static partial void LoopCrashed(ILogger logger, Exception exception, string loopName, string consequence);

    [LoggerMessage(EventId = 8, EventName = "ShutdownTimedOut", Level = LogLevel.Warning, Message = "Event loop {LoopName} did not stop within the host's shutdown timeout; its thread is left to end on its own.")]
    internal static partial void ShutdownTimedOut(ILogger logger, string loopName);

    [LoggerMessage(EventId = 9, EventName = "LoopEndedByItself", Level = LogLevel.Information, Message = "Event loop {LoopName} was stopped from inside; {Consequence}.")]
    internal static partial void LoopEndedByItself(ILogger logger, string loopName, string consequence);

    [LoggerMessage(EventId = 10, EventName = "DisposeFailed", Level = LogLevel.Error, Message = "Disposing event loop {LoopName} and its sources failed.")]
    internal static partial void DisposeFailed(ILogger logger, Exception exception, string loopName);
}
