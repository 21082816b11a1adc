using System.Buffers;
using System.Runtime.CompilerServices;

namespace KeycardSentry.Internal;

/// <summary>
/// The first, cheapest check of a subject token, before it is hashed, parsed, routed or sent anywhere: present, not
/// longer than <see cref="KeycardOptions.MaxSubjectTokenLength"/>, and an RFC 6750 bearer token
/// (<c>b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="</c>). JWTs and Keycard's opaque tokens
/// both have that shape; control characters, spaces, quotes and non-ASCII text do not.
/// </summary>
internal static class SubjectTokenShape
{
    private static readonly SearchValues<char> B64TokenChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");

    // String instances that passed the character scan (strings are immutable, so once is enough): a request's token is
    // scanned once, however many calls it makes. Weak keys, nothing but a marker kept; the length limit is checked every time.
    private static readonly ConditionalWeakTable<string, object> Scanned = new();
    private static readonly object Passed = new();

    /// <summary>
    /// Null when the token has the shape of a bearer token within the limit; otherwise why not (no token text in it).
    /// <paramref name="remember"/> false: a string that is new on every call (read from a message) is scanned without
    /// adding a weak-handle entry that would never be hit.
    /// </summary>
    public static string? Check(string? token, int maxLength, bool remember = true)
    {
        if (string.IsNullOrEmpty(token))
        {
            return "it is empty";
        }

        if (token.Length > maxLength)
        {
            return $"it is {token.Length} characters long, more than Keycard:MaxSubjectTokenLength ({maxLength})";
        }

        if (Scanned.TryGetValue(token, out _))
        {
            return null;
        }

        var span = token.AsSpan().TrimEnd('=');
        if (span.IsEmpty || span.IndexOfAnyExcept(B64TokenChars) >= 0)
        {
            return "it is not a bearer token (RFC 6750 b64token characters only: letters, digits, '-', '.', '_', '~', '+', '/', trailing '=')";
        }

        if (remember)
        {
            Scanned.AddOrUpdate(token, Passed);
        }

        return null;
    }
}
