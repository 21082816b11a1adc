using System.Security.Cryptography;
using System.Text;

namespace KeycardSentry;

/// <summary>An exchanged token for one user, resource and scope set.</summary>
/// <remarks><see cref="ToString"/> shows the fingerprint, never the token.</remarks>
public sealed class KeycardToken
{
    private IReadOnlySet<string>? _scopes;

    /// <summary>Creates a token.</summary>
    public KeycardToken(string accessToken, string tokenType, DateTimeOffset expiresAt, IEnumerable<string> scopes, string? issuedTokenType = null)
        : this(accessToken, tokenType, expiresAt, scopes, issuedTokenType, null)
    {
    }

    /// <summary>
    /// Creates a token whose fingerprint is already known (a grant from the grain carries it): no second hash. A scope
    /// array that is already distinct and sorted ordinally (what a grant carries) is kept as it is, not copied.
    /// </summary>
    internal KeycardToken(string accessToken, string tokenType, DateTimeOffset expiresAt, IEnumerable<string> scopes, string? issuedTokenType, string? fingerprint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accessToken);
        AccessToken = accessToken;
        TokenType = string.IsNullOrWhiteSpace(tokenType) ? "Bearer" : tokenType;
        ExpiresAt = expiresAt;
        SortedScopes = fingerprint is not null && scopes is string[] array && IsDistinctAndSorted(array)
            ? array
            : [.. (scopes ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        IssuedTokenType = issuedTokenType;
        Fingerprint = fingerprint ?? ComputeFingerprint(accessToken);
    }

    /// <summary>The access token to send as <c>Authorization: Bearer</c>. Secret: never log it.</summary>
    public string AccessToken { get; }

    /// <summary>The token type (usually <c>Bearer</c>).</summary>
    public string TokenType { get; }

    /// <summary>When the token expires (from <c>expires_in</c>, or the documented default lifetime).</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The scopes the token carries (from the response's <c>scope</c>, else the requested ones).</summary>
    /// <remarks>Built on first use: the runtime itself reads <see cref="SortedScopes"/>, so a cached token costs no set.</remarks>
    public IReadOnlySet<string> Scopes => _scopes ??= new HashSet<string>(SortedScopes, StringComparer.Ordinal);

    /// <summary>The scopes, distinct and sorted ordinally (what travels to Orleans clients and into messages).</summary>
    internal string[] SortedScopes { get; }

    /// <summary>The scopes expanded through one catalog's implications, computed on the first scope check and kept (one catalog per token in practice).</summary>
    internal ExpandedScopes? Expanded { get; set; }

    /// <summary>RFC 8693 <c>issued_token_type</c>, when Keycard sent it.</summary>
    public string? IssuedTokenType { get; }

    /// <summary>A non-secret identifier of the token (first 16 hex digits of its SHA-256), safe to log.</summary>
    public string Fingerprint { get; }

    /// <summary>Computes the fingerprint of an access token.</summary>
    public static string ComputeFingerprint(string accessToken) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(accessToken)), 0, 8);

    private static bool IsDistinctAndSorted(string[] scopes)
    {
        for (var i = 1; i < scopes.Length; i++)
        {
            if (scopes[i - 1] is null || string.CompareOrdinal(scopes[i - 1], scopes[i]) >= 0)
            {
                return false;
            }
        }

        return scopes.Length == 0 || scopes[^1] is not null;
    }

    /// <inheritdoc />
    public override string ToString() => $"KeycardToken {{ Fingerprint = {Fingerprint}, ExpiresAt = {ExpiresAt:O}, Scopes = [{string.Join(' ', SortedScopes)}] }}";
}

/// <summary>A token's scopes expanded through a catalog's implications, remembered on the token for the catalog it was computed with.</summary>
internal sealed class ExpandedScopes(IReadOnlyDictionary<string, IReadOnlyList<string>> implications, HashSet<string> scopes)
{
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Implications { get; } = implications;

    public HashSet<string> Scopes { get; } = scopes;

    /// <summary>The expansion of <paramref name="token"/>'s scopes through <paramref name="implications"/>, computed once per token and catalog.</summary>
    public static HashSet<string> Of(KeycardToken token, IReadOnlyDictionary<string, IReadOnlyList<string>> implications)
    {
        if (token.Expanded is { } known && ReferenceEquals(known.Implications, implications))
        {
            return known.Scopes;
        }

        var expanded = ScopeMath.Expand(token.SortedScopes, implications);
        token.Expanded = new ExpandedScopes(implications, expanded);
        return expanded;
    }
}
