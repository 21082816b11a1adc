using System.Text;
using System.Text.RegularExpressions;

namespace KeycardSentry.SpecImport;

/// <summary>Word-level naming rules: splitting identifiers, PascalCase, singular nouns and URL slugs.</summary>
internal static partial class Words
{
    /// <summary>"listOrganizationScimV2Groups" → [list, Organization, Scim, V2, Groups]; "SCIMPatch" → [SCIM, Patch].</summary>
    public static List<string> Split(string identifier)
    {
        var words = new List<string>();
        foreach (var part in NonWord().Split(identifier))
        {
            if (part.Length > 0)
            {
                words.AddRange(WordPattern().Matches(part).Select(m => m.Value));
            }
        }

        return words;
    }

    /// <summary>PascalCase of any text: words split at anything not a letter or digit, each capitalised; a leading digit gets '_'.</summary>
    public static string Pascal(string text)
    {
        var result = new StringBuilder();
        foreach (var word in NonWord().Split(text.Replace("'", string.Empty).Replace("\u2019", string.Empty)).Where(w => w.Length > 0))
        {
            result.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
        }

        if (result.Length > 0 && char.IsDigit(result[0]))
        {
            result.Insert(0, '_');
        }

        return result.ToString();
    }

    /// <summary>The singular of a name's last word ("ProjectIssues" → "ProjectIssue", "Policies" → "Policy"); unchanged when it is not a plural.</summary>
    public static string Singular(string name)
    {
        var words = Split(name);
        if (words.Count == 0)
        {
            return name;
        }

        var last = words[^1];
        var singular = NotPlural().IsMatch(last) ? last
            : last.EndsWith("ies", StringComparison.Ordinal) && last.Length > 4 ? last[..^3] + "y"
            : SibilantPlural().IsMatch(last) ? last[..^2]
            : last.EndsWith('s') && last.Length > 2 ? last[..^1]
            : last;
        return string.Concat(words.Take(words.Count - 1)) + singular;
    }

    /// <summary>The URL slug Sentry's API reference uses: lower case, apostrophes dropped, other runs of non-alphanumerics as '-'.</summary>
    public static string Slug(string text) =>
        NonAlphanumeric().Replace(text.Replace("'", string.Empty).Replace("\u2019", string.Empty).ToLowerInvariant(), "-").Trim('-');

    [GeneratedRegex("[^A-Za-z0-9]+")]
    private static partial Regex NonWord();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonAlphanumeric();

    [GeneratedRegex("[A-Z]+(?![a-z])[0-9]*|[A-Z]?[a-z]+[0-9]*|[0-9]+")]
    private static partial Regex WordPattern();

    [GeneratedRegex("(ss|us|is|Stats|Details|Settings|Series|News|Status|Data|Metadata|Analysis)$")]
    private static partial Regex NotPlural();

    [GeneratedRegex("(ches|shes|sses|xes|uses)$")]
    private static partial Regex SibilantPlural();
}
