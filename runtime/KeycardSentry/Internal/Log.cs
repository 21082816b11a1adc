using Microsoft.Extensions.Logging;

namespace KeycardSentry.Internal;

/// <summary>Every log line of the runtime. None takes a token or a secret; fingerprints and binding kinds only.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Keycard discovery at {MetadataUrl} succeeded: token endpoint {TokenEndpoint}, JWKS {HasJwks}.")]
    public static partial void DiscoverySucceeded(ILogger logger, string metadataUrl, string tokenEndpoint, bool hasJwks);

    [LoggerMessage(2, LogLevel.Error, "Keycard discovery at {MetadataUrl} failed; it is retried on the next call.")]
    public static partial void DiscoveryFailed(ILogger logger, string metadataUrl, Exception exception);

    [LoggerMessage(3, LogLevel.Debug, "Keycard {Grant} for resource {Resource} succeeded: token {Fingerprint}, expires {ExpiresAt:O}, scopes [{Scopes}].")]
    public static partial void ExchangeSucceeded(ILogger logger, string grant, string resource, string fingerprint, DateTimeOffset expiresAt, string scopes);

    [LoggerMessage(4, LogLevel.Warning, "Keycard {Grant} for resource {Resource} failed: {Error} (HTTP {StatusCode}, retryable {Retryable}).")]
    public static partial void ExchangeFailed(ILogger logger, string grant, string resource, string error, int? statusCode, bool retryable);

    [LoggerMessage(5, LogLevel.Debug, "Token cache hit for {BindingKind} binding, resource {Resource}: token {Fingerprint}.")]
    public static partial void CacheHit(ILogger logger, string bindingKind, string resource, string fingerprint);

    [LoggerMessage(6, LogLevel.Debug, "Token {Fingerprint} invalidated for resource {Resource}.")]
    public static partial void Invalidated(ILogger logger, string fingerprint, string resource);

    [LoggerMessage(7, LogLevel.Warning, "Subject token rejected: {Reason} ({Suppressed} more rejections since the last line were not logged).")]
    public static partial void SubjectRejected(ILogger logger, string reason, int suppressed);

    [LoggerMessage(8, LogLevel.Information, "The API answered 401 to token {Fingerprint} for {Method}; exchanging a new token and retrying once.")]
    public static partial void RetryingAfterUnauthorized(ILogger logger, string fingerprint, string method);

    [LoggerMessage(9, LogLevel.Warning, "The API answered {StatusCode} to {Method} with token {Fingerprint}: {Detail}.")]
    public static partial void ApiRefused(ILogger logger, int statusCode, string method, string fingerprint, string? detail);

    [LoggerMessage(10, LogLevel.Warning, "Refused {Method} before sending: it needs one of [{Required}], token {Fingerprint} has [{Granted}].")]
    public static partial void ScopeCheckFailed(ILogger logger, string method, string required, string fingerprint, string granted);

    [LoggerMessage(11, LogLevel.Information, "Rate limited (429) on attempt {Attempt}; retrying in {Delay}.")]
    public static partial void RateLimited(ILogger logger, int attempt, TimeSpan delay);

    [LoggerMessage(12, LogLevel.Debug, "Keycard refused a refresh token ({Error}); exchanging the subject token again.")]
    public static partial void RefreshFellBack(ILogger logger, string? error);

    [LoggerMessage(13, LogLevel.Debug, "Evicted {Count} cached tokens (limit {Limit}).")]
    public static partial void Evicted(ILogger logger, int count, int limit);

    [LoggerMessage(14, LogLevel.Debug, "Evicted {Count} remembered subject-token validations (limit {Limit}).")]
    public static partial void SubjectValidationsEvicted(ILogger logger, int count, int limit);

    [LoggerMessage(15, LogLevel.Warning, "Refreshing the Keycard metadata and JWKS at {MetadataUrl} failed; the keys fetched at {FetchedAt:O} stay in use and the refresh is retried after {RetryAfter:O}.")]
    public static partial void JwksRefreshFailed(ILogger logger, string metadataUrl, DateTimeOffset fetchedAt, DateTimeOffset retryAfter, Exception exception);

    [LoggerMessage(16, LogLevel.Information, "A subject token names a signing key the cached JWKS (fetched {FetchedAt:O}) lacks; fetching the JWKS again.")]
    public static partial void UnknownSigningKey(ILogger logger, DateTimeOffset fetchedAt);
}
