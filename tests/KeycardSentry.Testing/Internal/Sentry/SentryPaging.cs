using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace KeycardSentry.Testing.Internal.Sentry;

/// <summary>
/// Sentry's offset pagination: the <c>cursor</c> is <c>{value}:{offset}:{is_prev}</c>, <c>per_page</c> is 1 to 100,
/// and every answer carries a <c>Link</c> header with both a <c>rel="previous"</c> and a <c>rel="next"</c> entry whose
/// <c>results</c> says whether a page is behind it.
/// </summary>
internal static class SentryPaging
{
    public const int MaxPerPage = 100;

    public const string InvalidCursorDetail = "Invalid cursor parameter.";

    public const string InvalidPerPageDetail = "Invalid per_page parameter.";

    /// <summary>The offset a cursor names (0 without one); false for a malformed or negative cursor.</summary>
    public static bool TryParseCursor(string? cursor, out long offset)
    {
        offset = 0;
        if (string.IsNullOrEmpty(cursor))
        {
            return true;
        }

        var parts = cursor.Split(':');
        return parts.Length == 3
            && decimal.TryParse(parts[0], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out offset)
            && parts[2] is "0" or "1";
    }

    /// <summary>The page size: <c>per_page</c> when given (1 to 100), else <paramref name="fallback"/>; false when it is not a number in range.</summary>
    public static bool TryParsePerPage(string? perPage, int fallback, out int size)
    {
        size = fallback;
        return string.IsNullOrEmpty(perPage)
            || (int.TryParse(perPage, NumberStyles.None, CultureInfo.InvariantCulture, out size) && size is >= 1 and <= MaxPerPage);
    }

    /// <summary>
    /// The <c>Link</c> header for the page at <paramref name="offset"/>. URLs are built from the stand-in's own base
    /// URL, the escaped path and the re-escaped query (never the request's Host header or raw text).
    /// </summary>
    public static string LinkHeader(string baseUrl, PathString path, IQueryCollection query, long offset, int size, long total)
    {
        var previous = Math.Max(0, offset - size);
        var next = offset > long.MaxValue - size ? long.MaxValue : offset + size;
        return Link(baseUrl, path, query, "previous", $"0:{previous}:1", offset > 0)
            + ", " + Link(baseUrl, path, query, "next", $"0:{next}:0", next < total);
    }

    private static string Link(string baseUrl, PathString path, IQueryCollection query, string rel, string cursor, bool results)
    {
        var url = new StringBuilder(baseUrl).Append(path.ToUriComponent()).Append('?');
        foreach (var (name, values) in query)
        {
            if (name == "cursor")
            {
                continue;
            }

            foreach (var value in values)
            {
                url.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value ?? string.Empty)).Append('&');
            }
        }

        url.Append("cursor=").Append(Uri.EscapeDataString(cursor));
        return $"<{url}>; rel=\"{rel}\"; results=\"{(results ? "true" : "false")}\"; cursor=\"{cursor}\"";
    }
}
