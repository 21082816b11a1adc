using KeycardSentry.Internal;
using KeycardSentry.Orleans.Internal;

namespace KeycardSentry.Orleans;

/// <summary>
/// The <see cref="IKeycardTokenProvider"/> of <c>AddKeycardOrleansTokenCache()</c>: a call goes to the user's
/// <see cref="IUserTokenGrain"/>, which validates the subject token again and owns exchange, cache and refresh for the
/// whole cluster. Works inside a silo and in an Orleans client alike, and needs no Keycard client secret.
/// </summary>
/// <remarks>
/// <para>
/// Before anything leaves the process, a subject token is checked for size and shape. When this process knows the zone
/// (<c>Keycard:ZoneUrl</c>, no secret needed) it validates the token itself and calls the user's grain directly;
/// otherwise it sends the call to the silo's <see cref="ITokenGatewayGrain"/>, which validates before forwarding. Either
/// way a forged token never reaches a user's grain.
/// </para>
/// <para>
/// With the near cache on, the grant the grain returned for a call's exact subject-token bytes, resource and scope set
/// is kept in this process until the grain's <see cref="TokenGrant.ServableUntil"/>, the subject token's expiry or
/// <see cref="KeycardOrleansClientOptions.NearCacheMaxAge"/>, whichever comes first. From the grain's refresh point
/// (<see cref="TokenGrant.AskAgainAt"/>) on, a call still gets the copy and one background ask (at most one per second
/// per entry) lets the grain refresh ahead and brings its answer back.
/// </para>
/// </remarks>
internal sealed class OrleansKeycardTokenProvider : IKeycardTokenProvider
{
    private readonly IGrainFactory _grains;
    private readonly ISubjectTokenValidator? _validator;
    private readonly NearTokenCache? _near;
    private readonly int _maxSubjectTokenLength;

    private readonly UserGrainReferences _userGrains;

    public OrleansKeycardTokenProvider(IGrainFactory grains, ISubjectTokenValidator? localValidator, NearTokenCache? nearCache, int maxSubjectTokenLength)
    {
        _grains = grains;
        _userGrains = new UserGrainReferences(grains);
        _validator = localValidator;
        _near = nearCache;
        _maxSubjectTokenLength = maxSubjectTokenLength;
    }

    /// <summary>The near cache, for diagnostics and tests; null when off.</summary>
    internal NearTokenCache? NearCache => _near;

    /// <summary>True when this process validates subject tokens itself (it knows the zone).</summary>
    internal bool ValidatesLocally => _validator is not null;

    public ValueTask<KeycardToken> GetTokenAsync(KeycardTokenRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_near is null)
        {
            // A local validator checks the shape first thing; without one, nothing leaves the process unchecked.
            if (_validator is null)
            {
                CheckShape(request.SubjectToken);
            }

            return FromGrainAsync(request, null, cancellationToken);
        }

        CheckShape(request.SubjectToken);
        var key = NearCacheKey.For(request);
        switch (_near.TryGet(key, out var token))
        {
            case NearCacheLookup.Hit:
                return new ValueTask<KeycardToken>(token!);
            case NearCacheLookup.HitRefreshDue:
                // Past the grain's refresh point, still servable: this caller gets the copy at once, and one ask in the
                // background lets the grain refresh ahead and brings its answer (the renewed token once it landed) here.
                // It starts on the thread pool: even issuing a grain call (validation, serialization) is not this caller's cost.
                _ = Task.Run(() => RefreshNearCopyAsync(request, key), CancellationToken.None);
                return new ValueTask<KeycardToken>(token!);
            default:
                return FromGrainAsync(request, key, cancellationToken);
        }
    }

    public async ValueTask InvalidateAsync(KeycardTokenRequest request, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        CheckShape(request.SubjectToken);
        NearCacheKey? key = _near is null ? null : NearCacheKey.For(request);
        if (key is { } k)
        {
            _near!.Invalidate(k, fingerprint);
        }

        try
        {
            // The grain drops its copy too (if the fingerprint is still its token), so one 401 costs one re-exchange
            // cluster-wide; it validates the subject token, as on every call.
            var grainRequest = request.ToGrainRequest();
            var call = await RouteAsync(request.SubjectToken, cancellationToken).ConfigureAwait(false) is { } userGrain
                ? userGrain.InvalidateAsync(grainRequest, fingerprint)
                : _grains.GetGrain<ITokenGatewayGrain>(0).InvalidateAsync(grainRequest, fingerprint);
            await call.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A concurrent miss may have fetched the old token from the grain before the grain dropped it and added it
            // after the first removal: remove it again (answers still in flight for this stripe are not added).
            if (key is { } again)
            {
                _near!.Invalidate(again, fingerprint);
            }
        }
    }

    private async ValueTask<KeycardToken> FromGrainAsync(KeycardTokenRequest request, NearCacheKey? key, CancellationToken cancellationToken)
    {
        var generation = key is { } k ? _near!.GenerationOf(k) : 0;
        var grainRequest = request.ToGrainRequest();
        TokenGrant grant;
        try
        {
            // Cancellation stops this caller's wait only; the grain's exchange is shared with other callers and goes on.
            var call = await RouteAsync(request.SubjectToken, cancellationToken).ConfigureAwait(false) is { } userGrain
                ? userGrain.GetTokenAsync(grainRequest)
                : _grains.GetGrain<ITokenGatewayGrain>(0).GetTokenAsync(grainRequest);
            grant = await call.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KeycardExchangeException ex) when (ex.Error == "invalid_client")
        {
            throw new KeycardExchangeException(
                "Keycard did not accept the silos' client credentials (invalid_client). This app is an Orleans client and holds no Keycard " +
                "credentials: check Keycard:ClientId and the client secret or assertion key in the configuration of the silos.",
                ex.StatusCode,
                ex.Error,
                ex.ErrorDescription,
                ex.ErrorUri,
                ex.IsRetryable,
                ex);
        }

        var token = new KeycardToken(grant.AccessToken, grant.TokenType, grant.ExpiresAt, grant.Scopes, grant.IssuedTokenType, grant.Fingerprint);
        if (key is { } nearKey)
        {
            // The key hashes request.SubjectToken, the very token the grain just validated for this grant.
            _near!.Add(nearKey, token, grant.AskAgainAt, grant.ServableUntil, grant.SubjectExpiresAt, generation);
        }

        return token;
    }

    private async Task RefreshNearCopyAsync(KeycardTokenRequest request, NearCacheKey key)
    {
        try
        {
            await FromGrainAsync(request, key, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a failed background ask changes nothing: the copy stays servable until its end, and the next ask waits a floor
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>The user's grain when this process can validate the token itself; null to go through the silo's gateway.</summary>
    private async ValueTask<IUserTokenGrain?> RouteAsync(string subjectToken, CancellationToken cancellationToken)
    {
        if (_validator is null)
        {
            return null;
        }

        var identity = await _validator.ValidateAsync(subjectToken, cancellationToken).ConfigureAwait(false);
        return _userGrains.For(identity.Binding);
    }

    private void CheckShape(string subjectToken)
    {
        if (SubjectTokenShape.Check(subjectToken, _maxSubjectTokenLength) is { } reason)
        {
            throw new KeycardSubjectException($"The subject token was rejected: {reason}. No token is issued for it; the user must sign in to Keycard again.");
        }
    }
}
