using System.Net.Http.Headers;

namespace KeycardSentry;

/// <summary>
/// Reads the RFC 8288 <c>Link</c> header of paginated responses, as Sentry sends it:
/// <c>&lt;url&gt;; rel="previous"; results="false"; cursor="…", &lt;url&gt;; rel="next"; results="true"; cursor="…"</c>.
/// Tolerant of spacing, quoting and parameter order; malformed parts are skipped, never thrown on.
/// </summary>
public static class LinkHeader
{
    /// <summary>The cursor of the <c>rel="next"</c> link when it has results, else null.</summary>
    public static string? GetNextCursor(HttpHeaders? headers)
    {
        if (headers is null || !headers.TryGetValues("Link", out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            foreach (var entry in Parse(value))
            {
                if (entry.HasResults && entry.IsRel("next"))
                {
                    return entry.Cursor;
                }
            }
        }

        return null;
    }

    /// <summary>Parses a Link header value into its entries; malformed parts are skipped.</summary>
    public static IReadOnlyList<LinkHeaderEntry> Parse(string? header)
    {
        var links = new List<LinkHeaderEntry>();
        var text = header ?? string.Empty;
        var i = 0;
        while (i < text.Length)
        {
            var open = text.IndexOf('<', i);
            var close = open < 0 ? -1 : text.IndexOf('>', open + 1);
            if (close < 0)
            {
                break;
            }

            var url = text[(open + 1)..close].Trim();
            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            i = ReadParameters(text, close + 1, parameters);
            links.Add(new LinkHeaderEntry(url, parameters));
        }

        return links;
    }

    /// <summary>Reads <c>; name=value</c> pairs from <paramref name="start"/> up to the next entry; returns where it stopped.</summary>
    private static int ReadParameters(string text, int start, Dictionary<string, string> parameters)
    {
        var i = start;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == ',')
            {
                return i + 1;
            }

            if (c != ';')
            {
                i++;
                continue;
            }

            var nameStart = ++i;
            while (i < text.Length && text[i] is not ('=' or ';' or ','))
            {
                i++;
            }

            var name = text[nameStart..i].Trim();
            var value = string.Empty;
            if (i < text.Length && text[i] == '=')
            {
                (value, i) = ReadValue(text, i + 1);
            }

            if (name.Length > 0)
            {
                parameters[name] = value;
            }
        }

        return i;
    }

    private static (string Value, int End) ReadValue(string text, int start)
    {
        var i = start;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        if (i < text.Length && text[i] == '"')
        {
            var end = text.IndexOf('"', i + 1);
            end = end < 0 ? text.Length : end;
            return (text[(i + 1)..end], end < text.Length ? end + 1 : end);
        }

        var valueStart = i;
        while (i < text.Length && text[i] is not (';' or ','))
        {
            i++;
        }

        return (text[valueStart..i].Trim(), i);
    }
}

/// <summary>One entry of a Link header: its target URL and its parameters (<c>rel</c>, <c>results</c>, <c>cursor</c>, ...).</summary>
/// <param name="Url">The target URL (between angle brackets).</param>
/// <param name="Parameters">The link parameters, names compared without case.</param>
public sealed record LinkHeaderEntry(string Url, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>The <c>rel</c> parameter (e.g. <c>next</c>, <c>previous</c>).</summary>
    public string? Rel => Parameters.TryGetValue("rel", out var value) ? value : null;

    /// <summary>False only when the link says <c>results="false"</c> (no page behind it).</summary>
    public bool HasResults =>
        !(Parameters.TryGetValue("results", out var value) && string.Equals(value.Trim(), "false", StringComparison.OrdinalIgnoreCase));

    /// <summary>The <c>cursor</c> parameter, else the <c>cursor</c> query parameter of the URL.</summary>
    public string? Cursor
    {
        get
        {
            if (Parameters.TryGetValue("cursor", out var value) && value.Length > 0)
            {
                return value;
            }

            var query = Url.IndexOf('?', StringComparison.Ordinal);
            if (query < 0)
            {
                return null;
            }

            foreach (var pair in Url[(query + 1)..].Split('&'))
            {
                if (pair.StartsWith("cursor=", StringComparison.Ordinal))
                {
                    return Uri.UnescapeDataString(pair["cursor=".Length..]);
                }
            }

            return null;
        }
    }

    /// <summary>True when <see cref="Rel"/> (a space-separated list) contains <paramref name="relation"/>, compared without case.</summary>
    public bool IsRel(string relation)
    {
        foreach (var part in (Rel ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (string.Equals(part, relation, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
