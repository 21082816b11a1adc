using System.Globalization;
using System.Text;

namespace KeycardSentry.Internal;

/// <summary>
/// Makes text that came from outside (a server's error description, an error code, a header) safe to put in an
/// exception message or a log line: at most <see cref="MaxLength"/> characters, and every control, format, line or
/// paragraph separator character and lone surrogate written as <c>\uXXXX</c>, so a hostile body can neither forge log
/// lines nor fill the log.
/// </summary>
internal static class MessageText
{
    /// <summary>The most characters of outside text kept (before escaping).</summary>
    public const int MaxLength = 256;

    /// <summary>Returns <paramref name="text"/> bounded and escaped; null stays null.</summary>
    public static string? Sanitize(string? text, int maxLength = MaxLength)
    {
        if (text is null)
        {
            return null;
        }

        var truncated = text.Length > maxLength;
        var length = truncated ? maxLength : text.Length;
        if (truncated && char.IsHighSurrogate(text[length - 1]))
        {
            length--; // never cut a surrogate pair in half
        }

        if (!truncated && !NeedsEscaping(text))
        {
            return text;
        }

        var builder = new StringBuilder(length + 16);
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else if (MustEscape(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        if (truncated)
        {
            builder.Append("…(").Append(text.Length.ToString(CultureInfo.InvariantCulture)).Append(" characters, truncated)");
        }

        return builder.ToString();
    }

    private static bool NeedsEscaping(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (MustEscape(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool MustEscape(char c) =>
        char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate;
}
