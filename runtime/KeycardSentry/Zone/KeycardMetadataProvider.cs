using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace KeycardSentry.Internal;

/// <summary>What discovery found: the zone's issuer, token endpoint and signing keys, and when they were fetched.</summary>
/// <param name="Issuer">The metadata's issuer (equal to <c>Keycard:ZoneUrl</c>, trailing slash aside).</param>
/// <param name="TokenEndpoint">The token endpoint.</param>
/// <param name="SigningKeys">The JWKS keys; one list per fetch, shared by every call until the next fetch.</param>
/// <param name="HasJwks">Whether the metadata names a <c>jwks_uri</c>.</param>
/// <param name="FetchedAt">When the document and JWKS were fetched (injected clock).</param>
/// <param name="RefreshDue">When they are fetched again (<c>FetchedAt + Keycard:JwksRefreshInterval</c>); nothing checked
/// against these keys may be trusted past this instant.</param>
internal sealed record KeycardMetadata(
    string Issuer,
    Uri TokenEndpoint,
    IReadOnlyList<SecurityKey> SigningKeys,
    bool HasJwks,
    DateTimeOffset FetchedAt,
    DateTimeOffset RefreshDue);

/// <summary>
/// RFC 8414 discovery at <c>{zone}/.well-known/oauth-authorization-server</c> (never OIDC discovery, never a guessed
/// token endpoint) plus the JWKS at <c>jwks_uri</c>, parsed by IdentityModel's
/// <see cref="OpenIdConnectConfigurationRetriever"/>. When to fetch is decided here, on the injected
/// <see cref="TimeProvider"/>: every <see cref="KeycardOptions.JwksRefreshInterval"/>, and at once (at most every
/// <see cref="KeycardOptions.JwksMinimumRefreshInterval"/>) when a subject token names a key the JWKS lacks.
/// </summary>
/// <remarks>
/// <para>
/// Not <see cref="ConfigurationManager{T}"/>: its schedule runs on the system clock (its <c>TimeProvider</c> is
/// internal), it refreshes every 12 hours by default, and both its automatic refresh and <c>RequestRefresh</c> fetch in
/// the background while the call that triggered them still gets the old keys. So a withdrawn key kept validating for
/// 12 h (plus up to 36 min of jitter), and a token signed with a freshly rotated-in key was refused until a later call.
/// </para>
/// <para>
/// A fetch is shared by concurrent callers and detached from their cancellation. The first fetch is never cached when it
/// fails (the next call tries again); a failed refresh keeps the last good document (stale keys beat none) and is
/// retried after <see cref="KeycardOptions.JwksMinimumRefreshInterval"/>.
/// </para>
/// </remarks>
internal sealed class KeycardMetadataProvider
{
    public const string HttpClientName = "KeycardSentry.Discovery";

    private const string ReasonInitial = "initial";
    private const string ReasonScheduled = "scheduled";
    private const string ReasonUnknownKey = "unknown_key";

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _timeProvider;
    private readonly KeycardMetrics _metrics;
    private readonly ILogger _logger;
    private readonly string _zone;
    private readonly string _metadataUrl;
    private readonly bool _loopback;
    private readonly TimeSpan _refreshInterval;
    private readonly TimeSpan _minimumRefreshInterval;
    private readonly TimeSpan _exchangeTimeout;
    private readonly TokenPolicy _backoff;
    private readonly KeycardZoneStatus _status;
    private readonly Lock _lock = new();
    private State _state = new(null, DateTimeOffset.MinValue);
    private KeycardExchangeException? _firstFetchFailure;
    private int _firstFetchFailures;
    private Task<KeycardMetadata>? _inFlight;
    private DateTimeOffset _lastUnknownKeyFetch = DateTimeOffset.MinValue;

    public KeycardMetadataProvider(
        IOptions<KeycardOptions> options,
        IHttpClientFactory httpClientFactory,
        TimeProvider timeProvider,
        KeycardMetrics metrics,
        KeycardZoneStatus status,
        ILogger<KeycardMetadataProvider> logger)
    {
        _status = status;
        _httpClientFactory = httpClientFactory;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        var value = options.Value;
        var zone = value.ZoneUrl ?? throw new InvalidOperationException("Keycard:ZoneUrl is not set.");
        _zone = zone.TrimEnd('/');
        _metadataUrl = _zone + "/.well-known/oauth-authorization-server";
        _loopback = KeycardOptionsValidator.IsLoopback(new Uri(_zone, UriKind.Absolute));
        _refreshInterval = value.JwksRefreshInterval;
        _minimumRefreshInterval = value.JwksMinimumRefreshInterval;
        _exchangeTimeout = value.ExchangeTimeout;

        // A zone that cannot be read at all is asked again after a growing wait, at most every JwksMinimumRefreshInterval.
        _backoff = new TokenPolicy(TimeSpan.Zero, TimeSpan.Zero, value.FailureBackoff, value.JwksMinimumRefreshInterval, TimeSpan.Zero);
    }

    public string MetadataUrl => _metadataUrl;

    /// <summary>The current document: from memory while it is fresh, else fetched (callers wait for the shared fetch).</summary>
    public ValueTask<KeycardMetadata> GetAsync(CancellationToken cancellationToken)
    {
        // Hot path: one volatile read and a clock read, no allocation, no lock, no log line.
        var state = Volatile.Read(ref _state);
        if (state.Current is { } current && _timeProvider.GetUtcNow() < state.UseUntil)
        {
            return new ValueTask<KeycardMetadata>(current);
        }

        if (state.Current is null && _timeProvider.GetUtcNow() < state.UseUntil && Volatile.Read(ref _firstFetchFailure) is { } failure)
        {
            // The zone could not be read moments ago: answer from memory until the back-off has passed, not one fetch per call.
            throw new KeycardExchangeException(failure.Message, failure.StatusCode, failure.Error, failure.ErrorDescription, failure.ErrorUri, failure.IsRetryable, failure);
        }

        return new ValueTask<KeycardMetadata>(FetchSharedAsync(force: false, cancellationToken));
    }

    /// <summary>
    /// A subject token checked against <paramref name="used"/> names a key it lacks: the zone may have rotated its key.
    /// Returns newer metadata to validate against again, or null when there is none to be had: another fetch since
    /// <paramref name="used"/> is returned as is; otherwise the JWKS is fetched only if it is at least
    /// <see cref="KeycardOptions.JwksMinimumRefreshInterval"/> old and no other unknown key caused a fetch within that
    /// time, so made-up key ids cost the zone at most one fetch per interval.
    /// </summary>
    public async ValueTask<KeycardMetadata?> RefreshForUnknownKeyAsync(KeycardMetadata used, CancellationToken cancellationToken)
    {
        var state = Volatile.Read(ref _state);
        if (state.Current is { } current && !ReferenceEquals(current, used))
        {
            return current;
        }

        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (now < used.FetchedAt + _minimumRefreshInterval
                || (_lastUnknownKeyFetch != DateTimeOffset.MinValue && now < _lastUnknownKeyFetch + _minimumRefreshInterval))
            {
                return null;
            }

            _lastUnknownKeyFetch = now;
        }

        Log.UnknownSigningKey(_logger, used.FetchedAt);
        var refreshed = await FetchSharedAsync(force: true, cancellationToken).ConfigureAwait(false);
        return ReferenceEquals(refreshed, used) ? null : refreshed;
    }

    private Task<KeycardMetadata> FetchSharedAsync(bool force, CancellationToken cancellationToken)
    {
        Task<KeycardMetadata> fetch;
        lock (_lock)
        {
            var state = _state;
            if (!force && state.Current is { } current && _timeProvider.GetUtcNow() < state.UseUntil)
            {
                return Task.FromResult(current); // another caller's fetch finished while this one waited for the lock
            }

            var reason = force ? ReasonUnknownKey : state.Current is null ? ReasonInitial : ReasonScheduled;

            // Task.Run: the body's finally takes the lock, so it cannot clear _inFlight before it is set here.
            fetch = _inFlight ??= Task.Run(() => FetchAsync(reason));
        }

        return fetch.WaitAsync(cancellationToken);
    }

    private async Task<KeycardMetadata> FetchAsync(string reason)
    {
        try
        {
            var metadata = await RetrieveAsync().ConfigureAwait(false);
            Volatile.Write(ref _state, new State(metadata, metadata.RefreshDue));
            Volatile.Write(ref _firstFetchFailure, null);
            _firstFetchFailures = 0;
            _status.Reached(metadata.HasJwks);
            _metrics.JwksFetched(reason, success: true);
            Log.DiscoverySucceeded(_logger, _metadataUrl, metadata.TokenEndpoint.AbsoluteUri, metadata.HasJwks);
            return metadata;
        }
        catch (Exception ex)
        {
            _metrics.JwksFetched(reason, success: false);
            var failure = ex as KeycardExchangeException ?? new KeycardExchangeException(
                $"Keycard discovery failed: could not read the authorization server metadata at {_metadataUrl} ({Describe(ex)}). " +
                "Check Keycard:ZoneUrl (it must be the zone URL, e.g. https://<zone-id>.keycard.cloud) and that the zone is reachable from this host. " +
                "Discovery is retried after a short back-off.",
                error: "discovery_failed",
                isRetryable: true,
                innerException: ex);
            _status.Failed(MessageText.Sanitize(failure.Message, 512) ?? string.Empty);
            if (Volatile.Read(ref _state).Current is not { } lastGood)
            {
                // Never keep a failed first discovery for long: it is answered from memory for a short, growing back-off.
                Volatile.Write(ref _firstFetchFailure, failure);
                Volatile.Write(ref _state, new State(null, _timeProvider.GetUtcNow() + _backoff.Backoff(++_firstFetchFailures)));
                Log.DiscoveryFailed(_logger, _metadataUrl, failure);
                throw failure;
            }

            // Stale keys beat no keys; try again soon rather than on every call.
            var retryAfter = _timeProvider.GetUtcNow() + _minimumRefreshInterval;
            Volatile.Write(ref _state, new State(lastGood, retryAfter));
            Log.JwksRefreshFailed(_logger, _metadataUrl, lastGood.FetchedAt, retryAfter, failure);
            return lastGood;
        }
        finally
        {
            lock (_lock)
            {
                _inFlight = null;
            }
        }
    }

    private async Task<KeycardMetadata> RetrieveAsync()
    {
        var documents = new HttpDocumentRetriever(_httpClientFactory.CreateClient(HttpClientName)) { RequireHttps = !_loopback };

        // The fetch is shared, so no single caller's token cancels it; Keycard:ExchangeTimeout bounds it, on the injected
        // clock like the exchange's own time-out (a fetch is never cut short by a slow machine in a fake-clock test).
        using var timeout = new CancellationTokenSource(_exchangeTimeout, _timeProvider);
        var configuration = await OpenIdConnectConfigurationRetriever.GetAsync(_metadataUrl, documents, timeout.Token).ConfigureAwait(false);
        var fetchedAt = _timeProvider.GetUtcNow();

        if (!string.Equals(configuration.Issuer?.TrimEnd('/'), _zone, StringComparison.Ordinal))
        {
            throw new KeycardExchangeException(
                $"Keycard discovery failed: the metadata at {_metadataUrl} names issuer '{configuration.Issuer}', but Keycard:ZoneUrl is '{_zone}'. " +
                "Set Keycard:ZoneUrl to the zone's issuer exactly (Keycard__ZoneUrl).",
                error: "discovery_failed");
        }

        if (!Uri.TryCreate(configuration.TokenEndpoint, UriKind.Absolute, out var tokenEndpoint)
            || (tokenEndpoint.Scheme != "https" && !(_loopback && KeycardOptionsValidator.IsLoopback(tokenEndpoint))))
        {
            throw new KeycardExchangeException(
                $"Keycard discovery failed: the metadata at {_metadataUrl} has no usable https token_endpoint. Check Keycard:ZoneUrl.",
                error: "discovery_failed");
        }

        var hasJwks = !string.IsNullOrEmpty(configuration.JwksUri);
        return new KeycardMetadata(configuration.Issuer!, tokenEndpoint, [.. configuration.SigningKeys], hasJwks, fetchedAt, fetchedAt + _refreshInterval);
    }

    private static string Describe(Exception ex)
    {
        // IdentityModel wraps the HTTP failure; the innermost message names the status or the socket error.
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner.GetType().Name + ": " + inner.Message;
    }

    /// <summary>The last good document (null before the first success) and until when it is served without a fetch.</summary>
    private sealed record State(KeycardMetadata? Current, DateTimeOffset UseUntil);
}
