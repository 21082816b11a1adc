using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// The tokens of one user (see <see cref="UserTokenGrainKey"/>). Non-reentrant on purpose: concurrent calls queue behind
/// the one that exchanges and then find the token cached, so one exchange serves them all without locks.
/// Nothing is persisted: the refresh tokens and the last subject token live only in this activation's memory.
/// </summary>
internal sealed partial class UserTokenGrain : Grain, IUserTokenGrain
{
    private readonly Dictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);
    private readonly ISubjectTokenValidator _validator;
    private readonly IKeycardExchangeClient _exchange;
    private readonly TimeProvider _time;
    private readonly KeycardTokenGrainOptions _options;
    private readonly KeycardGrainMetrics _metrics;
    private readonly ILogger<UserTokenGrain> _logger;
    private string? _lastSubjectToken;
    private DateTimeOffset? _lastSubjectExpiresAt;
    private IGrainTimer? _refreshTimer;
    private DateTimeOffset? _refreshDueAt;

    public UserTokenGrain(
        ISubjectTokenValidator validator,
        IKeycardExchangeClient exchange,
        TimeProvider time,
        IOptions<KeycardTokenGrainOptions> options,
        KeycardGrainMetrics metrics,
        ILogger<UserTokenGrain> logger)
    {
        _validator = validator;
        _exchange = exchange;
        _time = time;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>When the refresh timer is due next (null when none is scheduled); for diagnostics and tests.</summary>
    internal DateTimeOffset? RefreshDueAt => _refreshDueAt;

    public async Task<TokenGrant> GetTokenAsync(string subjectToken, string resource, string[] scopes)
    {
        var request = new KeycardTokenRequest(subjectToken, resource, scopes);
        var authorization = await AuthorizeAsync(subjectToken);
        if (authorization.ForwardTo is { } owner)
        {
            return await GrainFactory.GetGrain<IUserTokenGrain>(owner).GetTokenAsync(subjectToken, resource, scopes);
        }

        RememberSubjectToken(subjectToken, authorization.Identity!);
        var now = _time.GetUtcNow();
        var key = CacheKey(request);
        if (_tokens.TryGetValue(key, out var cached) && IsServable(cached.Token, now))
        {
            cached.LastUsedAt = now;
            _metrics.CacheHit();
            if (_refreshDueAt is not { } dueAt || NextStepFor(cached, now) < dueAt)
            {
                // In use again after the timer had set it aside as idle: bring its refresh forward.
                ScheduleRefresh();
            }

            return ToGrant(cached.Token, authorization.Identity!);
        }

        var response = await _exchange.ExchangeAsync(request);
        _metrics.Exchanged();
        LogExchanged(_logger, this.GetPrimaryKeyString(), response.Token.Fingerprint, response.Token.ExpiresAt);
        _tokens[key] = new CachedToken(request.Resource, request.Scopes, response.Token, response.RefreshToken, _time.GetUtcNow());
        ScheduleRefresh();
        return ToGrant(response.Token, authorization.Identity!);
    }

    public async Task InvalidateAsync(string subjectToken, string resource, string[] scopes, string fingerprint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        var request = new KeycardTokenRequest(subjectToken, resource, scopes);
        var authorization = await AuthorizeAsync(subjectToken);
        if (authorization.ForwardTo is { } owner)
        {
            await GrainFactory.GetGrain<IUserTokenGrain>(owner).InvalidateAsync(subjectToken, resource, scopes, fingerprint);
            return;
        }

        var key = CacheKey(request);
        if (_tokens.TryGetValue(key, out var cached) && FixedTimeEquals(cached.Token.Fingerprint, fingerprint))
        {
            _tokens.Remove(key);
            _metrics.Invalidated();
            LogInvalidated(_logger, this.GetPrimaryKeyString(), fingerprint);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Dropped with the activation: a deactivated user's tokens exist nowhere any more.
        _tokens.Clear();
        _lastSubjectToken = null;
        _refreshTimer?.Dispose();
        _refreshTimer = null;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The timer's step, also callable by tests: refreshes every token that is in use and within <see cref="KeycardTokenGrainOptions.RefreshAhead"/>
    /// of no longer being served, drops tokens that expired, then schedules the next step.
    /// </summary>
    internal async Task RefreshDueTokensAsync(CancellationToken cancellationToken)
    {
        _refreshDueAt = null;
        var now = _time.GetUtcNow();
        foreach (var (key, cached) in _tokens.ToArray())
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            var servableUntil = cached.Token.ExpiresAt - _options.ExpirySkew;
            if (servableUntil - _options.RefreshAhead > now)
            {
                continue;
            }

            if (now - cached.LastUsedAt > _options.RefreshIfUsedWithin)
            {
                // Nobody asked lately: let it lapse instead of exchanging on behalf of an idle user.
                if (servableUntil <= now)
                {
                    _tokens.Remove(key);
                }

                continue;
            }

            var refreshed = await TryRefreshAsync(cached, cancellationToken);
            if (refreshed is not null)
            {
                _tokens[key] = new CachedToken(cached.Resource, cached.Scopes, refreshed.Token, refreshed.RefreshToken ?? cached.RefreshToken, cached.LastUsedAt);
            }
            else if (servableUntil <= now)
            {
                _tokens.Remove(key);
            }
            else
            {
                // Failed but still servable: try again at the latest at the end of its life, not in a tight loop.
                cached.RefreshFailedAt = now;
            }
        }

        ScheduleRefresh();
    }

    private async Task<KeycardExchangeResponse?> TryRefreshAsync(CachedToken cached, CancellationToken cancellationToken)
    {
        var grainKey = this.GetPrimaryKeyString();
        try
        {
            if (cached.RefreshToken is { } refreshToken)
            {
                var response = await _exchange.RefreshAsync(refreshToken, cached.Resource, cached.Scopes, cancellationToken);
                _metrics.Refreshed("refresh_token");
                LogRefreshed(_logger, grainKey, "refresh_token", response.Token.Fingerprint, response.Token.ExpiresAt);
                return response;
            }

            if (_lastSubjectToken is { } subjectToken && (_lastSubjectExpiresAt is not { } exp || exp - _options.ExpirySkew > _time.GetUtcNow()))
            {
                var response = await _exchange.ExchangeAsync(new KeycardTokenRequest(subjectToken, cached.Resource, cached.Scopes), cancellationToken);
                _metrics.Refreshed("re_exchange");
                LogRefreshed(_logger, grainKey, "re_exchange", response.Token.Fingerprint, response.Token.ExpiresAt);
                return response;
            }

            LogRefreshSkipped(_logger, grainKey, cached.Token.Fingerprint);
            return null;
        }
        catch (KeycardExchangeException ex)
        {
            _metrics.RefreshFailed();
            LogRefreshFailed(_logger, ex, grainKey, cached.Token.Fingerprint, ex.Error);
            if (cached.RefreshToken is not null && !ex.IsRetryable)
            {
                // A refused refresh token will not get better: fall back to re-exchanging next time.
                cached.RefreshToken = null;
            }

            return null;
        }
    }

    private void ScheduleRefresh()
    {
        var now = _time.GetUtcNow();
        DateTimeOffset? next = null;
        foreach (var cached in _tokens.Values)
        {
            var due = NextStepFor(cached, now);
            if (next is null || due < next)
            {
                next = due;
            }
        }

        if (next is not { } dueAt)
        {
            _refreshTimer?.Dispose();
            _refreshTimer = null;
            _refreshDueAt = null;
            return;
        }

        var dueIn = dueAt - now;
        if (dueIn < TimeSpan.Zero)
        {
            dueIn = TimeSpan.Zero;
        }

        _refreshDueAt = now + dueIn;
        if (_refreshTimer is null)
        {
            // KeepAlive = false: refreshing must not keep an idle user's grain (and tokens) alive.
            _refreshTimer = this.RegisterGrainTimer(RefreshDueTokensAsync, new GrainTimerCreationOptions(dueIn, Timeout.InfiniteTimeSpan) { KeepAlive = false });
        }
        else
        {
            _refreshTimer.Change(dueIn, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// When the timer must look at a token next: its refresh point while it is in use and refreshable; otherwise the end
    /// of its life (to drop it), so an idle or failed token never makes the timer spin.
    /// </summary>
    private DateTimeOffset NextStepFor(CachedToken cached, DateTimeOffset now)
    {
        var servableUntil = cached.Token.ExpiresAt - _options.ExpirySkew;
        var refreshAt = servableUntil - _options.RefreshAhead;
        var inUse = now - cached.LastUsedAt <= _options.RefreshIfUsedWithin;
        return inUse && cached.RefreshFailedAt is null ? refreshAt : servableUntil;
    }

    private async Task<Authorization> AuthorizeAsync(string subjectToken)
    {
        var grainKey = this.GetPrimaryKeyString();
        SubjectIdentity identity;
        try
        {
            identity = await _validator.ValidateAsync(subjectToken);
        }
        catch (KeycardSubjectException)
        {
            _metrics.Denied("invalid_subject");
            LogDenied(_logger, grainKey, "invalid_subject");
            throw;
        }

        var expected = UserTokenGrainKey.ForIdentity(identity, subjectToken);
        if (FixedTimeEquals(expected, grainKey))
        {
            return new Authorization(identity, null);
        }

        if (!identity.IsValidatedJwt && grainKey.StartsWith(UserTokenGrainKey.JwtPrefix, StringComparison.Ordinal))
        {
            // A JWT the validator could only bind as opaque (zone without JWKS): clients route it by its claims, but
            // it belongs to its own token-hash grain. That grain validates again; nothing is served from here.
            LogForwarded(_logger, grainKey);
            return new Authorization(null, expected);
        }

        _metrics.Denied("wrong_user");
        LogDenied(_logger, grainKey, "wrong_user");
        throw new KeycardSubjectException("The subject token does not prove the user this token grain belongs to.");
    }

    private void RememberSubjectToken(string subjectToken, SubjectIdentity identity)
    {
        // Keep the token that stays valid longest: it is what a refresh without refresh token re-exchanges with.
        if (_lastSubjectToken is null || identity.ExpiresAt is not { } exp || _lastSubjectExpiresAt is not { } last || exp >= last)
        {
            _lastSubjectToken = subjectToken;
            _lastSubjectExpiresAt = identity.ExpiresAt;
        }
    }

    private bool IsServable(KeycardToken token, DateTimeOffset now) => token.ExpiresAt - _options.ExpirySkew > now;

    private static string CacheKey(KeycardTokenRequest request) => request.Resource + "\n" + request.ScopeString;

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    // The validated subject token's expiry goes with the grant: a client keeping the grant must not outlive it.
    private static TokenGrant ToGrant(KeycardToken token, SubjectIdentity identity) =>
        new(token.AccessToken, token.TokenType, token.ExpiresAt, [.. token.Scopes.Order(StringComparer.Ordinal)], token.Fingerprint, token.IssuedTokenType, identity.ExpiresAt);

    private sealed record Authorization(SubjectIdentity? Identity, string? ForwardTo);

    private sealed class CachedToken(string resource, IReadOnlyList<string> scopes, KeycardToken token, string? refreshToken, DateTimeOffset lastUsedAt)
    {
        public string Resource { get; } = resource;

        public IReadOnlyList<string> Scopes { get; } = scopes;

        public KeycardToken Token { get; } = token;

        public string? RefreshToken { get; set; } = refreshToken;

        public DateTimeOffset LastUsedAt { get; set; } = lastUsedAt;

        public DateTimeOffset? RefreshFailedAt { get; set; }
    }

    [LoggerMessage(1, LogLevel.Debug, "Token grain {GrainKey} exchanged a token {Fingerprint}, expires {ExpiresAt:O}.")]
    private static partial void LogExchanged(ILogger logger, string grainKey, string fingerprint, DateTimeOffset expiresAt);

    [LoggerMessage(2, LogLevel.Debug, "Token grain {GrainKey} refreshed by {Method}: token {Fingerprint}, expires {ExpiresAt:O}.")]
    private static partial void LogRefreshed(ILogger logger, string grainKey, string method, string fingerprint, DateTimeOffset expiresAt);

    [LoggerMessage(3, LogLevel.Warning, "Token grain {GrainKey} could not refresh token {Fingerprint} ({Error}); it is served until it expires.")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, string grainKey, string fingerprint, string? error);

    [LoggerMessage(4, LogLevel.Debug, "Token grain {GrainKey} cannot refresh token {Fingerprint}: no refresh token and no valid subject token.")]
    private static partial void LogRefreshSkipped(ILogger logger, string grainKey, string fingerprint);

    [LoggerMessage(5, LogLevel.Warning, "Token grain {GrainKey} denied a caller: {Reason}.")]
    private static partial void LogDenied(ILogger logger, string grainKey, string reason);

    [LoggerMessage(6, LogLevel.Debug, "Token grain {GrainKey} invalidated token {Fingerprint}.")]
    private static partial void LogInvalidated(ILogger logger, string grainKey, string fingerprint);

    [LoggerMessage(7, LogLevel.Debug, "Token grain {GrainKey} forwarded a JWT the validator bound as opaque to its token-hash grain.")]
    private static partial void LogForwarded(ILogger logger, string grainKey);
}
