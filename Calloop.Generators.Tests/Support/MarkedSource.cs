using Microsoft.CodeAnalysis.Text;

namespace Calloop.Generators.Tests.Support;

/// <summary>Source text with one span marked <c>{|...|}</c>: the place a diagnostic must point at.</summary>
internal sealed record MarkedSource(string Text, TextSpan Span)
{
    internal static MarkedSource Parse(string marked)
    {
        int start = marked.IndexOf("{|", System.StringComparison.Ordinal);
        int end = marked.IndexOf("|}", System.StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0).And.LessThan(end), "the source must mark one span with {| |}");
        string text = marked.Remove(end, 2).Remove(start, 2);
        return new MarkedSource(text, new TextSpan(start, end - start - 2));
    }
}
