namespace KeycardSentry.Orleans;

/// <summary>
/// One grain per user (see <c>UserTokenGrainKey</c> in KeycardSentry.Orleans for the key): it owns the exchange, the
/// cache and the refresh of every (resource, scope set) token of that user. The grain validates the subject token on
/// every call and hands out nothing unless the validated identity is the one its key names.
/// </summary>
/// <remarks>
/// The methods take no cancellation token on purpose: concurrent callers share one exchange, and one caller giving up
/// must not cancel it for the others (callers stop waiting on their side instead).
/// </remarks>
public interface IUserTokenGrain : IGrainWithStringKey
{
    /// <summary>Returns a token for the resource and scopes, from the grain's cache or from a new exchange.</summary>
    /// <param name="subjectToken">The user's Keycard access token (validated by the grain on every call).</param>
    /// <param name="resource">The RFC 8707 resource, e.g. <c>https://sentry.io/api/0</c>.</param>
    /// <param name="scopes">The requested scopes; order and duplicates do not matter.</param>
    /// <remarks>Throws <c>KeycardSubjectException</c> when the subject token does not prove the user this grain is for, <c>KeycardExchangeException</c> when Keycard refused or failed.</remarks>
    Task<TokenGrant> GetTokenAsync(string subjectToken, string resource, string[] scopes);

    /// <summary>
    /// Drops the cached token for the resource and scopes if its fingerprint is <paramref name="fingerprint"/>; a stale
    /// fingerprint (a newer token is already cached) changes nothing, so a 401 seen by many callers costs one re-exchange.
    /// </summary>
    /// <remarks>Throws <c>KeycardSubjectException</c> when the subject token does not prove the user this grain is for, <c>KeycardExchangeException</c> when Keycard refused or failed.</remarks>
    Task InvalidateAsync(string subjectToken, string resource, string[] scopes, string fingerprint);
}
