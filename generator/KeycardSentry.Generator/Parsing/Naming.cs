using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace KeycardSentry.Generator.Parsing;

/// <summary>Turns spec names (operationIds, tags, JSON property names, scopes) into legal C# identifiers.</summary>
internal static class Naming
{
    /// <summary>
    /// PascalCase from any text: words are split at every character that is not a letter or digit, apostrophes
    /// are dropped first so "Project's" stays one word ("Projects"), and each word's first letter is upper-cased.
    /// A leading digit gets an underscore ("24h" → "_24h").
    /// </summary>
    public static string Pascal(string? text, bool normaliseAcronyms = false)
    {
        var builder = new StringBuilder();
        if (!string.IsNullOrEmpty(text))
        {
            var word = new StringBuilder();
            foreach (var c in text!)
            {
                if (c is '\'' or '\u2019')
                {
                    continue;
                }

                if (char.IsLetterOrDigit(c))
                {
                    word.Append(c);
                }
                else if (word.Length > 0)
                {
                    AppendWord(builder, word, normaliseAcronyms);
                }
            }

            if (word.Length > 0)
            {
                AppendWord(builder, word, normaliseAcronyms);
            }
        }

        if (builder.Length == 0)
        {
            return "Value";
        }

        if (char.IsDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    /// <summary>camelCase for parameters, escaped with '@' when it is a C# keyword.</summary>
    public static string Camel(string? text)
    {
        var pascal = Pascal(text);
        var camel = pascal[0] == '_' ? pascal : char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
        return EscapeKeyword(camel);
    }

    public static string EscapeKeyword(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(identifier) is SyntaxKind.AwaitKeyword
            ? "@" + identifier
            : identifier;

    /// <summary>Returns <paramref name="name"/>, or it with 2, 3, ... appended, whichever is not yet in <paramref name="taken"/>; records it.</summary>
    public static string Unique(string name, ISet<string> taken)
    {
        var candidate = name;
        for (var i = 2; !taken.Add(candidate); i++)
        {
            candidate = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    /// <summary>A literal for generated code (quoted and escaped).</summary>
    public static string Literal(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

    /// <summary>Appends <paramref name="word"/> with its first letter upper-cased (an acronym lower-cased after it when asked) and clears it.</summary>
    private static void AppendWord(StringBuilder builder, StringBuilder word, bool normaliseAcronyms)
    {
        var w = word.ToString();
        word.Clear();
        if (normaliseAcronyms && w.Length > 2 && IsAllUpper(w))
        {
            w = w.Substring(0, 1) + w.Substring(1).ToLowerInvariant();
        }

        builder.Append(char.ToUpperInvariant(w[0]));
        builder.Append(w, 1, w.Length - 1);
    }

    private static bool IsAllUpper(string word)
    {
        foreach (var c in word)
        {
            if (char.IsLetter(c) && !char.IsUpper(c))
            {
                return false;
            }
        }

        return true;
    }
}
