using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal;

/// <summary>
/// The embedded token provider: one <see cref="TokenTable"/> per subject binding, in a bounded in-memory cache. The
/// subject token is validated on every call before anything is looked up; the binding it proves selects the table,
/// so a cached token only ever goes to a caller who proves the same user (for an opaque token: the very same token).
/// Nothing is persisted.
/// </summary>
/// <remarks>
/// Not Microsoft.Extensions.Caching.Memory: expiry must follow the injected <see cref="TimeProvider"/> (MemoryCache keeps
/// its own clock), hits must be lock-free, and MemoryCache's size limit refuses new entries and compacts later, where a
/// token cache must always take the newest token. Past <see cref="KeycardOptions.CacheSizeLimit"/> users, one pass drops
/// idle tables and then the least recently used tenth.
/// </remarks>
internal sealed class InProcessKeycardTokenProvider : IKeycardTokenProvider
{
    private readonly ISubjectTokenValidator _validator;
    private readonly TokenFetcher _fetcher;
    private readonly TokenPolicy _policy;
    private readonly TimeProvider _timeProvider;
    private readonly KeycardMetrics _metrics;
    private readonly ILogger _logger;
    private readonly BoundedCache<SubjectBinding, TokenTable> _tables;

    public InProcessKeycardTokenProvider(
        ISubjectTokenValidator validator,
        TokenFetcher fetcher,
        IOptions<KeycardOptions> options,
        TimeProvider timeProvider,
        KeycardMetrics metrics,
        ILogger<InProcessKeycardTokenProvider> logger)
    {
        _validator = validator;
        _fetcher = fetcher;
        _policy = TokenPolicy.From(options.Value);
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _tables = new BoundedCache<SubjectBinding, TokenTable>(
            options.Value.CacheSizeLimit,
            table => table.IsIdle(timeProvider.GetUtcNow()),
            table => table.LastUsed);
    }

    /// <summary>How many users (subject bindings) have a table now.</summary>
    internal int Count => _tables.Count;

    public ValueTask<KeycardToken> GetTokenAsync(KeycardTokenRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);

        // A remembered validation and a cached token complete without any await (no state machine on the hit path);
        // every failure still arrives as a faulted ValueTask, as from an async method.
        ValueTask<SubjectIdentity> validation;
        try
        {
            validation = _validator.ValidateAsync(request.SubjectToken, cancellationToken);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<KeycardToken>(ex);
        }

        return validation.IsCompletedSuccessfully
            ? FromTable(request, validation.Result, cancellationToken)
            : ValidatedFromTableAsync(request, validation, cancellationToken);
    }

    private async ValueTask<KeycardToken> ValidatedFromTableAsync(KeycardTokenRequest request, ValueTask<SubjectIdentity> validation, CancellationToken cancellationToken) =>
        await FromTable(request, await validation.ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    private ValueTask<KeycardToken> FromTable(KeycardTokenRequest request, SubjectIdentity identity, CancellationToken cancellationToken)
    {
        var table = _tables.GetOrAdd(identity.Binding, static (binding, self) => new TokenTable(self._policy, self._timeProvider, !binding.IsJwt), this);
        var pending = table.GetAsync(
            request.Resource,
            request.ScopeString,
            identity.TokenHash,
            (Fetcher: _fetcher, Request: request),
            static (state, refreshToken) => state.Fetcher.FetchAsync(state.Request, refreshToken),
            cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            var hit = pending.Result;
            _metrics.CacheHit();
            Log.CacheHit(_logger, identity.IsValidatedJwt ? "jwt" : "opaque", request.Resource, hit.Token.Fingerprint);
            return new ValueTask<KeycardToken>(hit.Token);
        }

        _metrics.CacheMiss();
        return FetchedAsync(pending);
    }

    private static async ValueTask<KeycardToken> FetchedAsync(ValueTask<TokenEntry> pending) => (await pending.ConfigureAwait(false)).Token;

    public async ValueTask InvalidateAsync(KeycardTokenRequest request, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        var identity = await _validator.ValidateAsync(request.SubjectToken, cancellationToken).ConfigureAwait(false);
        if (_tables.TryGetValue(identity.Binding, out var table) && table.Invalidate(request.Resource, request.ScopeString, fingerprint))
        {
            Log.Invalidated(_logger, fingerprint, request.Resource);
        }
    }
}
