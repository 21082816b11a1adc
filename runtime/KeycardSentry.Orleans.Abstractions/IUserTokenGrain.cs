namespace KeycardSentry.Orleans;

/// <summary>
/// One grain per user, keyed by the string form of the user's subject binding (<c>jwt:{hash of issuer and subject}</c>,
/// or <c>opaque:{hash of the token}</c>): it owns the exchange, the cache and the refresh of every (resource, scope set)
/// token of that user. It validates the subject token on every call and hands out nothing unless the validated
/// identity is the one its key names.
/// </summary>
/// <remarks>
/// Callers reach it through <see cref="ITokenGatewayGrain"/> or after validating the subject token themselves; a call
/// that names a user's grain without that user's token gets nothing. The methods take no cancellation token on purpose:
/// concurrent callers share one exchange, and one caller giving up must not cancel it for the others.
/// </remarks>
public interface IUserTokenGrain : IGrainWithStringKey
{
    /// <summary>Returns a token for the request's resource and scopes, from the grain's cache or from a new exchange.</summary>
    /// <remarks>Throws <c>KeycardSubjectException</c> when the subject token does not prove this grain's user, <c>KeycardExchangeException</c> when Keycard refused or failed.</remarks>
    Task<TokenGrant> GetTokenAsync(TokenGrainRequest request);

    /// <summary>
    /// Drops the cached token for the request's resource and scopes if its fingerprint is <paramref name="fingerprint"/>;
    /// a stale fingerprint (a newer token is already cached) changes nothing, so a 401 seen by many callers costs one re-exchange.
    /// </summary>
    Task InvalidateAsync(TokenGrainRequest request, string fingerprint);
}

/// <summary>
/// The silo-side front door for Orleans clients that cannot validate subject tokens themselves (no zone configured):
/// a stateless worker that validates the subject token (size, shape, signature, issuer, audience, lifetime) on the silo
/// the client is connected to, and only then forwards the call to the user's <see cref="IUserTokenGrain"/>. Forged or
/// junk tokens are refused here, in parallel activations, and never occupy a user's single grain.
/// </summary>
public interface ITokenGatewayGrain : IGrainWithIntegerKey
{
    /// <summary>Validates the subject token, then gets the token from its user's grain.</summary>
    Task<TokenGrant> GetTokenAsync(TokenGrainRequest request);

    /// <summary>Validates the subject token, then invalidates in its user's grain.</summary>
    Task InvalidateAsync(TokenGrainRequest request, string fingerprint);
}
