using System.Security.Cryptography;
using System.Text;

namespace KeycardSentry;

/// <summary>An exchanged token for one user, resource and scope set.</summary>
/// <remarks><see cref="ToString"/> shows the fingerprint, never the token.</remarks>
public sealed class KeycardToken
{
    /// <summary>Creates a token.</summary>
    public KeycardToken(string accessToken, string tokenType, DateTimeOffset expiresAt, IEnumerable<string> scopes, string? issuedTokenType = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accessToken);
        AccessToken = accessToken;
        TokenType = string.IsNullOrWhiteSpace(tokenType) ? "Bearer" : tokenType;
        ExpiresAt = expiresAt;
        Scopes = new HashSet<string>(scopes ?? [], StringComparer.Ordinal);
        IssuedTokenType = issuedTokenType;
        Fingerprint = ComputeFingerprint(accessToken);
    }

    /// <summary>The access token to send as <c>Authorization: Bearer</c>. Secret: never log it.</summary>
    public string AccessToken { get; }

    /// <summary>The token type (usually <c>Bearer</c>).</summary>
    public string TokenType { get; }

    /// <summary>When the token expires (from <c>expires_in</c>, or the documented default lifetime).</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The scopes the token carries (from the response's <c>scope</c>, else the requested ones).</summary>
    public IReadOnlySet<string> Scopes { get; }

    /// <summary>RFC 8693 <c>issued_token_type</c>, when Keycard sent it.</summary>
    public string? IssuedTokenType { get; }

    /// <summary>A non-secret identifier of the token (first 16 hex digits of its SHA-256), safe to log.</summary>
    public string Fingerprint { get; }

    /// <summary>Computes the fingerprint of an access token.</summary>
    public static string ComputeFingerprint(string accessToken) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(accessToken)), 0, 8);

    /// <inheritdoc />
    public override string ToString() => $"KeycardToken {{ Fingerprint = {Fingerprint}, ExpiresAt = {ExpiresAt:O}, Scopes = [{string.Join(' ', Scopes.Order(StringComparer.Ordinal))}] }}";
}
