using System.Text.RegularExpressions;

namespace KeycardSentry.SpecImport;

/// <summary>Names derived from operationIds: identifiers for sentences, and the noun an operation is about.</summary>
internal static partial class OperationNames
{
    private static readonly HashSet<string> Articles = new(StringComparer.OrdinalIgnoreCase) { "a", "an", "the" };
    private static readonly HashSet<string> Scopes = new(StringComparer.Ordinal) { "Organization", "Project", "Team" };

    /// <summary>
    /// The operationId itself when it is an identifier; for a sentence, its words without articles and possessive
    /// "'s", camel-cased: "List a Project's Issues" → listProjectIssues.
    /// </summary>
    public static string Identifier(string publishedId)
    {
        if (IdentifierPattern().IsMatch(publishedId))
        {
            return publishedId;
        }

        var words = Possessive().Replace(publishedId, string.Empty)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(w => !Articles.Contains(w))
            .Select(Words.Pascal)
            .Where(w => w.Length > 0)
            .ToList();
        if (words.Count == 0)
        {
            return "operation";
        }

        return char.ToLowerInvariant(words[0][0]) + words[0][1..] + string.Concat(words.Skip(1));
    }

    /// <summary>The verb (first word, lower case) and the rest of an operationId, PascalCase.</summary>
    public static (string Verb, string Remainder) Verb(string operationId)
    {
        var words = Words.Split(operationId);
        return words.Count == 0 ? (string.Empty, string.Empty) : (words[0].ToLowerInvariant(), string.Concat(words.Skip(1)));
    }

    /// <summary>The verb as PascalCase words: "Create", or two for a bulk one ("BulkUpdate", "BulkMutate").</summary>
    public static string VerbPhrase(string operationId)
    {
        var words = Words.Split(operationId);
        var count = words.Count > 2 && words[0].Equals("bulk", StringComparison.OrdinalIgnoreCase) ? 2 : Math.Min(1, words.Count);
        return string.Concat(words.Take(count).Select(Words.Pascal));
    }

    /// <summary>
    /// What the operation is about: the words after the verb, without leading Organization/Project/Team scope words
    /// (kept when <paramref name="keepScope"/>), "bulk" verbs and "or update" folded: getOrganizationMonitor → Monitor,
    /// createOrUpdateExternalIssue → ExternalIssue, listTeamMembers → Members (TeamMembers with the scope).
    /// </summary>
    public static string Noun(string operationId, bool keepScope)
    {
        var words = Words.Split(operationId).Skip(1).ToList();
        if (words.Count > 1 && Words.Split(operationId)[0].Equals("bulk", StringComparison.OrdinalIgnoreCase))
        {
            words.RemoveAt(0);
        }

        if (words.Count > 2 && words[0] == "Or")
        {
            words.RemoveRange(0, 2);
        }

        while (!keepScope && words.Count > 1 && Scopes.Contains(words[0]))
        {
            words.RemoveAt(0);
        }

        return string.Concat(words);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex("['\u2019]s\\b")]
    private static partial Regex Possessive();
}
