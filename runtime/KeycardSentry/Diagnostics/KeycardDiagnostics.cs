using System.Diagnostics;

namespace KeycardSentry;

/// <summary>Names of the runtime's meter and activity source, for <c>AddMeter</c> / <c>AddSource</c> in OpenTelemetry.</summary>
public static class KeycardDiagnostics
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> and <see cref="ActivitySource"/> name, <c>KeycardSentry</c>.</summary>
    public const string Name = "KeycardSentry";

    /// <summary>Counter: exchanges (and refreshes) sent to Keycard. Tag <c>grant</c> = exchange | refresh.</summary>
    public const string Exchanges = "keycard.exchanges";

    /// <summary>Counter: calls served from the token cache.</summary>
    public const string CacheHits = "keycard.cache.hits";

    /// <summary>Counter: calls that found no usable cached token (concurrent callers sharing one exchange each count once).</summary>
    public const string CacheMisses = "keycard.cache.misses";

    /// <summary>Counter: failed exchanges, tag <c>error</c> = the OAuth error code or invalid_response / timeout / transport_error / discovery_failed.</summary>
    public const string ExchangeErrors = "keycard.exchange.errors";

    /// <summary>Histogram: exchange duration in seconds.</summary>
    public const string ExchangeDuration = "keycard.exchange.duration";

    /// <summary>Counter: JWT subject tokens accepted from the validation cache (lifetime re-checked, signature check skipped).</summary>
    public const string SubjectValidationCacheHits = "keycard.subject.validation.cache.hits";

    /// <summary>Counter: JWT subject tokens validated in full (signature against the JWKS) because the validation cache had no trusted entry.</summary>
    public const string SubjectValidationCacheMisses = "keycard.subject.validation.cache.misses";

    /// <summary>
    /// Counter: fetches of the zone's metadata and JWKS. Tag <c>reason</c> = initial | scheduled (older than
    /// <c>Keycard:JwksRefreshInterval</c>) | unknown_key (a subject token named a <c>kid</c> the cached JWKS lacks);
    /// tag <c>outcome</c> = success | failure.
    /// </summary>
    public const string JwksRefreshes = "keycard.jwks.refreshes";

    internal static readonly ActivitySource ActivitySource = new(Name, typeof(KeycardDiagnostics).Assembly.GetName().Version?.ToString());
}
