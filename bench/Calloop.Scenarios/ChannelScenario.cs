namespace Calloop.Scenarios;

/// <summary>S3: a channel from a second thread. The runtime has no channel source yet, so this scenario reports an error.</summary>
internal static class ChannelScenario
{
    internal static Result Run(long n) => Result.Fail("S3", "no channel source in Calloop.Runtime yet");
}
