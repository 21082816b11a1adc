using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace KeycardSentry.Generator.Parsing;

/// <summary>Scope spelling rules shared by the generator and the analyzer.</summary>
internal static class ScopeText
{
    private static readonly char[] Separators = { ' ', ',', ';', '\t', '\r', '\n' };

    /// <summary>Splits a scope list written with spaces, commas or semicolons.</summary>
    public static IEnumerable<string> Split(string? scopes) =>
        string.IsNullOrWhiteSpace(scopes)
            ? Enumerable.Empty<string>()
            : scopes!.Split(Separators, StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()).Where(s => s.Length > 0);

    /// <summary>
    /// Removes whitespace and lower-cases ("org: read" → "org:read"). Returns true when the text changed,
    /// i.e. the scope was malformed.
    /// </summary>
    public static bool Normalise(string scope, out string normalised)
    {
        var builder = new StringBuilder(scope.Length);
        foreach (var c in scope)
        {
            if (!char.IsWhiteSpace(c))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }

        normalised = builder.ToString();
        return !string.Equals(normalised, scope, StringComparison.Ordinal);
    }
}
