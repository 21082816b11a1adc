using KeycardSentry.Internal;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// The tokens of one user (the grain key is the string form of the user's <see cref="SubjectBinding"/>). Authorization
/// happens here on every call: the subject token is validated and its binding must equal the grain's key. Everything
/// about the tokens themselves (freshness, single flight, refresh ahead without blocking readers, failure back-off) is
/// the <see cref="TokenTable"/>'s, the same class the in-process cache uses.
/// </summary>
/// <remarks>
/// Reentrant: a call waiting for Keycard (or for a JWKS fetch) does not hold up callers who can be served from the
/// table; the table is thread-safe. No timer: a token is refreshed when a call finds it due (the near caches of the
/// clients ask again exactly then, see <see cref="TokenGrant.AskAgainAt"/>), so an idle user costs Keycard nothing.
/// Nothing is persisted: refresh tokens live only in this activation's memory and go with it.
/// </remarks>
[Reentrant]
internal sealed partial class UserTokenGrain : Grain, IUserTokenGrain
{
    private readonly ISubjectTokenValidator _validator;
    private readonly TokenFetcher _fetcher;
    private readonly TokenPolicy _policy;
    private readonly TimeProvider _time;
    private readonly KeycardGrainMetrics _metrics;
    private readonly TokenTableHandoff _handoff;
    private readonly ILogger<UserTokenGrain> _logger;
    private SubjectBinding? _binding;
    private TokenTable? _table;

    public UserTokenGrain(
        ISubjectTokenValidator validator,
        TokenFetcher fetcher,
        TokenPolicy policy,
        TimeProvider time,
        KeycardGrainMetrics metrics,
        TokenTableHandoff handoff,
        ILogger<UserTokenGrain> logger)
    {
        _handoff = handoff;
        _validator = validator;
        _fetcher = fetcher;
        _policy = policy;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The grain key (kept by the binding read from it, so not twice).</summary>
    private string Key => _binding?.Key ?? this.GetPrimaryKeyString();

    public async Task<TokenGrant> GetTokenAsync(TokenGrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var identity = await AuthorizeAsync(request.SubjectToken);
        var table = _table ??= _handoff.Take(Key) ?? new TokenTable(_policy, _time, !identity.Binding.IsJwt);
        var pending = table.GetAsync(
            request.Resource,
            request.Scopes,
            identity.TokenHash,
            (Grain: this, Request: request),
            static (state, refreshToken) => state.Grain.FetchAsync(state.Request, refreshToken),
            CancellationToken.None);
        TokenEntry entry;
        if (pending.IsCompletedSuccessfully)
        {
            entry = pending.Result;
            _metrics.CacheHit();
        }
        else
        {
            entry = await pending;
            _metrics.Fetched();
        }

        var token = entry.Token;
        return new TokenGrant(
            token.AccessToken,
            token.TokenType,
            token.ExpiresAt,
            token.SortedScopes,
            token.Fingerprint,
            token.IssuedTokenType,
            identity.ExpiresAt,
            entry.CopyAskAgainAt(_time.GetUtcNow()),
            entry.ServableUntil);
    }

    /// <summary>One exchange or refresh for the table (runs off the grain's turn; logs once per fetch, not per waiting caller).</summary>
    private async Task<KeycardExchangeResponse> FetchAsync(TokenGrainRequest request, string? refreshToken)
    {
        var response = await _fetcher.FetchAsync(request.ToTokenRequest(), refreshToken);
        LogExchanged(_logger, Key, response.Token.Fingerprint, response.Token.ExpiresAt);
        return response;
    }

    public async Task InvalidateAsync(TokenGrainRequest request, string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        await AuthorizeAsync(request.SubjectToken);
        if (_table?.Invalidate(request.Resource, request.Scopes, fingerprint) == true)
        {
            _metrics.Invalidated();
            LogInvalidated(_logger, Key, fingerprint);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_table is not null && TokenTableHandoff.HandsOver(reason.ReasonCode))
        {
            // Orleans took the activation from a user who is still calling (its directory changed under it): the next
            // activation in this silo takes the tokens instead of exchanging again.
            _handoff.Leave(Key, _table);
            LogHandedOver(_logger, Key, reason.ReasonCode);
        }
        else
        {
            // Dropped with the activation: a deactivated user's tokens exist nowhere any more.
            _table?.Clear();
        }

        _table = null;
        return Task.CompletedTask;
    }

    private async ValueTask<SubjectIdentity> AuthorizeAsync(string subjectToken)
    {
        SubjectIdentity identity;
        try
        {
            // From a message: a new string per call, so nothing is remembered by string instance.
            identity = await _validator.ValidateReceivedAsync(subjectToken);
        }
        catch (KeycardSubjectException)
        {
            // The validator has logged why (rate-limited); a flood of forgeries is one line per interval, not one per call.
            _metrics.Denied("invalid_subject");
            throw;
        }

        // The grain key read back as a binding once per activation; a key that is no binding matches nobody.
        if (_binding is null && SubjectBinding.TryParseKey(this.GetPrimaryKeyString(), out var own))
        {
            _binding = own;
        }

        if (!SubjectBinding.FixedTimeEquals(identity.Binding, _binding))
        {
            _metrics.Denied("wrong_user");
            throw new KeycardSubjectException("The subject token does not prove the user this token grain belongs to.");
        }

        return identity;
    }

    [LoggerMessage(1, LogLevel.Debug, "Token grain {GrainKey} exchanged: token {Fingerprint}, expires {ExpiresAt:O}.")]
    private static partial void LogExchanged(ILogger logger, string grainKey, string fingerprint, DateTimeOffset expiresAt);

    [LoggerMessage(7, LogLevel.Debug, "Token grain {GrainKey} deactivated ({Reason}) while its user was active: its tokens wait for its next activation in this silo.")]
    private static partial void LogHandedOver(ILogger logger, string grainKey, DeactivationReasonCode reason);

    [LoggerMessage(6, LogLevel.Debug, "Token grain {GrainKey} invalidated token {Fingerprint}.")]
    private static partial void LogInvalidated(ILogger logger, string grainKey, string fingerprint);
}
