namespace KeycardSentry;

/// <summary>Scope arithmetic shared by the runtime checks: expansion through implications, then any-of.</summary>
public static class ScopeMath
{
    /// <summary>Expands granted scopes through the implication table (unknown scopes stand for themselves).</summary>
    public static HashSet<string> Expand(IEnumerable<string> granted, IReadOnlyDictionary<string, IReadOnlyList<string>> implications)
    {
        ArgumentNullException.ThrowIfNull(granted);
        ArgumentNullException.ThrowIfNull(implications);
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scope in granted)
        {
            result.Add(scope);
            if (implications.TryGetValue(scope, out var implied))
            {
                result.UnionWith(implied);
            }
        }

        return result;
    }

    /// <summary>True when <paramref name="anyOf"/> is empty or one of its scopes is in the expanded grant.</summary>
    public static bool Satisfies(IReadOnlySet<string> expandedGrant, IReadOnlyList<string> anyOf)
    {
        ArgumentNullException.ThrowIfNull(expandedGrant);
        ArgumentNullException.ThrowIfNull(anyOf);
        if (anyOf.Count == 0)
        {
            return true;
        }

        foreach (var scope in anyOf)
        {
            if (expandedGrant.Contains(scope))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Splits a scope list written with spaces, commas or semicolons.</summary>
    public static IReadOnlyList<string> Parse(string? scopes) =>
        string.IsNullOrWhiteSpace(scopes)
            ? []
            : scopes.Split([' ', ',', ';', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
