namespace KeycardSentry.Orleans;

/// <summary>
/// The token a <see cref="IUserTokenGrain"/> hands to a caller: what crosses the wire between silo and client. It never
/// carries the refresh token (that stays in the grain). <see cref="ToString"/> shows the fingerprint, never the token.
/// </summary>
[GenerateSerializer, Immutable, Alias("KeycardSentry.TokenGrant")]
public sealed class TokenGrant
{
    /// <summary>Creates a grant.</summary>
    public TokenGrant(string accessToken, string tokenType, DateTimeOffset expiresAt, string[] scopes, string fingerprint, string? issuedTokenType, DateTimeOffset? subjectExpiresAt, DateTimeOffset askAgainAt, DateTimeOffset servableUntil)
    {
        AskAgainAt = askAgainAt;
        ServableUntil = servableUntil;
        AccessToken = accessToken;
        TokenType = tokenType;
        ExpiresAt = expiresAt;
        Scopes = scopes;
        Fingerprint = fingerprint;
        IssuedTokenType = issuedTokenType;
        SubjectExpiresAt = subjectExpiresAt;
    }

    /// <summary>The access token. Secret: never log it.</summary>
    [Id(0)]
    public string AccessToken { get; }

    /// <summary>The token type (usually <c>Bearer</c>).</summary>
    [Id(1)]
    public string TokenType { get; }

    /// <summary>When the token expires.</summary>
    [Id(2)]
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The scopes the token carries, sorted.</summary>
    [Id(3)]
    public string[] Scopes { get; }

    /// <summary>A non-secret identifier of the token (see <c>KeycardToken.Fingerprint</c>), safe to log; pass it back to invalidate.</summary>
    [Id(4)]
    public string Fingerprint { get; }

    /// <summary>RFC 8693 <c>issued_token_type</c>, when Keycard sent it.</summary>
    [Id(5)]
    public string? IssuedTokenType { get; }

    /// <summary>
    /// When the subject token the grain validated for this call expires (its <c>exp</c>), or null when unknown (an opaque
    /// token). A client that keeps the grant (the near cache of <c>OrleansKeycardTokenProvider</c>) never serves it past
    /// this instant: an expired subject token must go back to the grain, which refuses it.
    /// </summary>
    [Id(6)]
    public DateTimeOffset? SubjectExpiresAt { get; }

    /// <summary>
    /// When a client that keeps this grant should ask the grain again: the token's refresh point while it is fresh, so the
    /// grain sees a call in time to refresh ahead; about a second later once a refresh is due or in flight. A client may
    /// keep serving its copy meanwhile, up to <see cref="ServableUntil"/>.
    /// </summary>
    [Id(7)]
    public DateTimeOffset AskAgainAt { get; }

    /// <summary>
    /// Until when the grain itself serves this token. Between <see cref="AskAgainAt"/> and this instant a client may still
    /// serve its copy while it asks the grain again in the background (refresh ahead without making a caller wait); never after.
    /// </summary>
    [Id(8)]
    public DateTimeOffset ServableUntil { get; }

    /// <inheritdoc />
    public override string ToString() => $"TokenGrant {{ Fingerprint = {Fingerprint}, ExpiresAt = {ExpiresAt:O}, Scopes = [{string.Join(' ', Scopes)}] }}";
}
