using System.Text.RegularExpressions;

namespace KeycardSentry.Testing.Tests.Infrastructure;

/// <summary>A test's own reading of Sentry's <c>Link</c> header: <c>&lt;url&gt;; rel="..."; results="..."; cursor="..."</c>, comma-separated.</summary>
internal sealed partial record LinkHeader(string Url, string Rel, bool Results, string Cursor)
{
    public static IReadOnlyList<LinkHeader> Parse(string header) =>
        [.. Entry().Matches(header).Select(m => new LinkHeader(m.Groups["url"].Value, m.Groups["rel"].Value, m.Groups["results"].Value == "true", m.Groups["cursor"].Value))];

    [GeneratedRegex("""<(?<url>[^>]*)>; rel="(?<rel>[^"]*)"; results="(?<results>true|false)"; cursor="(?<cursor>[^"]*)"(, |$)""")]
    private static partial Regex Entry();
}
