using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal;

/// <summary>
/// The embedded token provider: an in-memory cache keyed by (binding key, resource, sorted scope set), with one
/// exchange per key in flight at a time, serving a token until <c>ExpiresAt - ExpirySkew</c> on the injected clock.
/// The subject token is validated on every call before anything is looked up. Nothing is persisted.
/// </summary>
/// <remarks>
/// The cache is a <see cref="ConcurrentDictionary{TKey,TValue}"/> with approximate LRU eviction rather than
/// Microsoft.Extensions.Caching.Memory: expiry must follow the injected <see cref="TimeProvider"/> (MemoryCache keeps
/// its own clock), hits must be lock-free, and MemoryCache's size limit refuses new entries and compacts later, where
/// a token cache must always take the newest token. When the limit is passed, one pass under a lock drops expired
/// entries and then the least recently used tenth.
/// </remarks>
internal sealed class InProcessKeycardTokenProvider : IKeycardTokenProvider
{
    private readonly ISubjectTokenValidator _validator;
    private readonly IKeycardExchangeClient _exchange;
    private readonly KeycardOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly KeycardMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<TokenCacheKey, CacheEntry> _entries = new();
    private readonly ConcurrentDictionary<TokenCacheKey, Lazy<Task<CacheEntry>>> _inFlight = new();
    private readonly Lock _evictionLock = new();

    public InProcessKeycardTokenProvider(
        ISubjectTokenValidator validator,
        IKeycardExchangeClient exchange,
        IOptions<KeycardOptions> options,
        TimeProvider timeProvider,
        KeycardMetrics metrics,
        ILogger<InProcessKeycardTokenProvider> logger)
    {
        _validator = validator;
        _exchange = exchange;
        _options = options.Value;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>How many tokens are cached now.</summary>
    internal int Count => _entries.Count;

    public async ValueTask<KeycardToken> GetTokenAsync(KeycardTokenRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var identity = await _validator.ValidateAsync(request.SubjectToken, cancellationToken).ConfigureAwait(false);
        var key = new TokenCacheKey(identity.BindingKey, request.Resource, request.ScopeString);
        SubjectTokenHash? subjectHash = identity.IsValidatedJwt ? null : SubjectTokenHash.Compute(request.SubjectToken);

        if (_entries.TryGetValue(key, out var entry) && entry.Matches(subjectHash) && IsFresh(entry))
        {
            entry.Touch(_timeProvider.GetTimestamp());
            _metrics.CacheHit();
            Log.CacheHit(_logger, identity.IsValidatedJwt ? "sub" : "token", request.Resource, entry.Token.Fingerprint);
            return entry.Token;
        }

        _metrics.CacheMiss();
        var stale = entry is not null && entry.Matches(subjectHash) ? entry : null;
        var flight = _inFlight.GetOrAdd(key, k => new Lazy<Task<CacheEntry>>(() => FetchAsync(k, request, subjectHash, stale)));
        var fetched = await flight.Value.WaitAsync(cancellationToken).ConfigureAwait(false);

        // A joiner whose opaque token differs from the one that started the flight shares the key only if the hashes
        // are equal, which the key already guarantees; check anyway, in constant time.
        if (!fetched.Matches(subjectHash))
        {
            throw new KeycardSubjectException("The cached token belongs to another subject token.");
        }

        return fetched.Token;
    }

    public async ValueTask InvalidateAsync(KeycardTokenRequest request, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        var identity = await _validator.ValidateAsync(request.SubjectToken, cancellationToken).ConfigureAwait(false);
        var key = new TokenCacheKey(identity.BindingKey, request.Resource, request.ScopeString);
        SubjectTokenHash? subjectHash = identity.IsValidatedJwt ? null : SubjectTokenHash.Compute(request.SubjectToken);
        if (_entries.TryGetValue(key, out var entry)
            && entry.Matches(subjectHash)
            && string.Equals(entry.Token.Fingerprint, fingerprint, StringComparison.Ordinal)
            && _entries.TryRemove(new KeyValuePair<TokenCacheKey, CacheEntry>(key, entry)))
        {
            Log.Invalidated(_logger, fingerprint, request.Resource);
        }
    }

    private Task<CacheEntry> FetchAsync(TokenCacheKey key, KeycardTokenRequest request, SubjectTokenHash? subjectHash, CacheEntry? stale)
    {
        // Runs once per key while in flight; detached from any one caller's cancellation (the exchange time-out bounds it).
        return Task.Run(async () =>
        {
            try
            {
                var response = await ExchangeOrRefreshAsync(request, stale).ConfigureAwait(false);
                var entry = new CacheEntry(response.Token, response.RefreshToken, subjectHash, _timeProvider.GetTimestamp());
                _entries[key] = entry;
                if (_entries.Count > _options.CacheSizeLimit)
                {
                    Evict();
                }

                return entry;
            }
            finally
            {
                _inFlight.TryRemove(key, out _);
            }
        });
    }

    private async Task<KeycardExchangeResponse> ExchangeOrRefreshAsync(KeycardTokenRequest request, CacheEntry? stale)
    {
        if (_options.UseRefreshTokens && stale?.RefreshToken is { } refreshToken)
        {
            try
            {
                var refreshed = await _exchange.RefreshAsync(refreshToken, request.Resource, request.Scopes, CancellationToken.None).ConfigureAwait(false);
                return refreshed.RefreshToken is null ? new KeycardExchangeResponse(refreshed.Token, refreshToken) : refreshed;
            }
            catch (KeycardExchangeException ex) when (!ex.IsRetryable)
            {
                Log.RefreshFellBack(_logger, stale.Token.Fingerprint, ex.Error);
            }
        }

        return await _exchange.ExchangeAsync(request, CancellationToken.None).ConfigureAwait(false);
    }

    private bool IsFresh(CacheEntry entry) => _timeProvider.GetUtcNow() < entry.Token.ExpiresAt - _options.ExpirySkew;

    private void Evict()
    {
        lock (_evictionLock)
        {
            var limit = _options.CacheSizeLimit;
            if (_entries.Count <= limit)
            {
                return;
            }

            var now = _timeProvider.GetUtcNow();
            var removed = BoundedEviction.Evict(_entries, limit, e => e.Token.ExpiresAt <= now, e => e.LastUsed);
            Log.Evicted(_logger, removed, limit);
        }
    }

    /// <summary>
    /// What a cached token is for. A struct of the request's own strings, so a lookup allocates nothing; scopes are
    /// already distinct and sorted by <see cref="KeycardTokenRequest"/>, so equal sets give equal keys.
    /// </summary>
    private readonly record struct TokenCacheKey(string BindingKey, string Resource, string Scopes);

    private sealed class CacheEntry(KeycardToken token, string? refreshToken, SubjectTokenHash? subjectHash, long lastUsed)
    {
        private long _lastUsed = lastUsed;

        public KeycardToken Token { get; } = token;

        public string? RefreshToken { get; } = refreshToken;

        public long LastUsed => Volatile.Read(ref _lastUsed);

        public void Touch(long timestamp) => Volatile.Write(ref _lastUsed, timestamp);

        /// <summary>JWT-bound entries match by key alone; opaque-bound ones also compare the subject-token hash in constant time.</summary>
        public bool Matches(SubjectTokenHash? hash) =>
            subjectHash is not { } own
                ? hash is null
                : hash is { } other && SubjectTokenHash.FixedTimeEquals(own, other);
    }
}
