namespace KeycardSentry.Internal;

/// <summary>The character rules of RFC 6749 Appendix A and RFC 6750 §2.1 that a token response must follow.</summary>
internal static class OAuthSyntax
{
    /// <summary>RFC 6750 §2.1 <c>b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="</c>.</summary>
    public static bool IsB64Token(ReadOnlySpan<char> value)
    {
        var end = value.Length;
        while (end > 0 && value[end - 1] == '=')
        {
            end--;
        }

        if (end == 0)
        {
            return false;
        }

        foreach (var c in value[..end])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '+' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 6749 A.4 <c>scope-token = 1*( %x21 / %x23-5B / %x5D-7E )</c>: printable ASCII without space, <c>"</c> and <c>\</c>.</summary>
    public static bool IsScopeToken(ReadOnlySpan<char> value) => value.Length > 0 && All(value, static c => c is '\x21' or (>= '\x23' and <= '\x5B') or (>= '\x5D' and <= '\x7E'));

    /// <summary>RFC 6749 A.7 <c>error = 1*( %x20-21 / %x23-5B / %x5D-7E )</c>.</summary>
    public static bool IsErrorCode(ReadOnlySpan<char> value) => value.Length > 0 && All(value, static c => c is '\x20' or '\x21' or (>= '\x23' and <= '\x5B') or (>= '\x5D' and <= '\x7E'));

    /// <summary>RFC 6749 A.17 <c>refresh-token = 1*VSCHAR</c>, <c>VSCHAR = %x20-7E</c> (also used for <c>issued_token_type</c>).</summary>
    public static bool IsVsChars(ReadOnlySpan<char> value) => value.Length > 0 && All(value, static c => c is >= '\x20' and <= '\x7E');

    private static bool All(ReadOnlySpan<char> value, Func<char, bool> allowed)
    {
        foreach (var c in value)
        {
            if (!allowed(c))
            {
                return false;
            }
        }

        return true;
    }
}
