namespace KeycardSentry.Internal;

/// <summary>
/// Talks to the Keycard zone: RFC 8414 discovery, then RFC 8693 token exchange at its token endpoint, authenticated
/// with the client credentials (which therefore live wherever this runs: the app, or only the silos with Orleans).
/// It caches nothing but the discovery document; callers cache tokens.
/// </summary>
internal interface IKeycardExchangeClient
{
    /// <summary>Exchanges the request's subject token for a token for its resource and scopes.</summary>
    /// <exception cref="KeycardExchangeException">Keycard refused, failed or answered with an invalid response.</exception>
    Task<KeycardExchangeResponse> ExchangeAsync(KeycardTokenRequest request, CancellationToken cancellationToken = default);

    /// <summary>Uses a refresh token (RFC 6749 §6) to get a new token for the same resource and scopes.</summary>
    /// <exception cref="KeycardExchangeException">Keycard refused, failed or answered with an invalid response.</exception>
    Task<KeycardExchangeResponse> RefreshAsync(string refreshToken, string resource, IReadOnlyList<string> scopes, CancellationToken cancellationToken = default);
}

/// <summary>A successful exchange: the token, and the refresh token when Keycard issued one (kept apart so it never leaves the cache owner).</summary>
/// <remarks><see cref="ToString"/> never prints either token.</remarks>
internal sealed class KeycardExchangeResponse
{
    /// <summary>Creates the response.</summary>
    public KeycardExchangeResponse(KeycardToken token, string? refreshToken)
    {
        Token = token ?? throw new ArgumentNullException(nameof(token));
        RefreshToken = string.IsNullOrEmpty(refreshToken) ? null : refreshToken;
    }

    /// <summary>The exchanged token.</summary>
    public KeycardToken Token { get; }

    /// <summary>The refresh token, if any. Secret: never log it, never hand it to callers.</summary>
    public string? RefreshToken { get; }

    /// <inheritdoc />
    public override string ToString() => $"KeycardExchangeResponse {{ Token = {Token}, HasRefreshToken = {RefreshToken is not null} }}";
}
