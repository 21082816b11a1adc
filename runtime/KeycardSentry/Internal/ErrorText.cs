using System.Text;

namespace KeycardSentry.Internal;

/// <summary>
/// Text that came from outside (an error description, an API's <c>detail</c>, a configuration value) made safe for an
/// exception message or a log line: at most a bounded number of characters, control characters escaped as <c>\uXXXX</c>.
/// </summary>
internal static class ErrorText
{
    /// <summary>The longest outside text put into a message.</summary>
    public const int DefaultMaxLength = 256;

    public static string Sanitize(string? text, int maxLength = DefaultMaxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var clean = true;
        foreach (var c in text)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                clean = false;
                break;
            }
        }

        if (clean && text.Length <= maxLength)
        {
            return text;
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxLength) + 16);
        for (var i = 0; i < text.Length && builder.Length < maxLength; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else if (char.IsControl(c) || char.IsSurrogate(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        if (builder.Length < text.Length)
        {
            builder.Append("…");
        }

        return builder.ToString();
    }
}
