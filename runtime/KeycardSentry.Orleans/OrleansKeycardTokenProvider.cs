using System.Diagnostics.Metrics;
using KeycardSentry.Orleans.Internal;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Orleans;

/// <summary>
/// An <see cref="IKeycardTokenProvider"/> backed by the cluster: a call goes to the user's <see cref="IUserTokenGrain"/>,
/// which validates the subject token and owns exchange, cache and refresh. Works inside a silo and in an Orleans
/// client alike (it only needs <see cref="IGrainFactory"/>), and needs no Keycard client secret: the silos exchange.
/// </summary>
/// <remarks>
/// With the near cache on (<see cref="KeycardOrleansClientOptions.NearCache"/>, the default of
/// <c>UseOrleansTokenCache()</c>), the grant the grain returned for a call's exact subject-token bytes, resource and
/// scope set is kept in this process and handed out again without a grain call until the token is within
/// <see cref="KeycardOrleansClientOptions.ExpirySkew"/> of expiry, the subject token expires, or
/// <see cref="KeycardOrleansClientOptions.NearCacheMaxAge"/> has passed, whichever comes first.
/// </remarks>
public sealed class OrleansKeycardTokenProvider : IKeycardTokenProvider
{
    private readonly IGrainFactory _grains;
    private readonly NearTokenCache? _near;

    /// <summary>Creates the provider without a near cache: every call goes to the user's grain.</summary>
    public OrleansKeycardTokenProvider(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _grains = grains;
    }

    /// <summary>Creates the provider with a near cache as <paramref name="options"/> say (validated here).</summary>
    public OrleansKeycardTokenProvider(IGrainFactory grains, IOptions<KeycardOrleansClientOptions> options, TimeProvider timeProvider, IMeterFactory meterFactory)
        : this(grains)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(meterFactory);
        var value = options.Value;
        var validation = new KeycardOrleansClientOptionsValidator().Validate(Options.DefaultName, value);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(KeycardOrleansClientOptions), validation.Failures);
        }

        if (value.NearCacheEnabled)
        {
            _near = new NearTokenCache(value.NearCacheSize, value.NearCacheMaxAge, value.ExpirySkew, timeProvider, new NearCacheMetrics(meterFactory));
        }
    }

    /// <summary>True when this provider keeps grants in a near cache.</summary>
    public bool HasNearCache => _near is not null;

    /// <summary>The near cache, for diagnostics and tests; null when off.</summary>
    internal NearTokenCache? NearCache => _near;

    /// <inheritdoc />
    public ValueTask<KeycardToken> GetTokenAsync(KeycardTokenRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_near is null)
        {
            return FromGrainAsync(request, cancellationToken);
        }

        var key = NearCacheKey.For(request);
        return _near.TryGet(key, out var token) == NearCacheLookup.Hit
            ? new ValueTask<KeycardToken>(token!)
            : FromGrainIntoNearCacheAsync(_near, key, request, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask InvalidateAsync(KeycardTokenRequest request, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        var key = _near is null ? default : NearCacheKey.For(request);
        _near?.Invalidate(key, fingerprint);
        try
        {
            // The grain drops its copy too (if the fingerprint is still its token), so one 401 costs one re-exchange
            // cluster-wide; it also validates the subject token, as before.
            var grain = _grains.GetGrain<IUserTokenGrain>(UserTokenGrainKey.ForSubjectToken(request.SubjectToken));
            await grain.InvalidateAsync(request.SubjectToken, request.Resource, [.. request.Scopes], fingerprint).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A concurrent miss may have fetched the old token from the grain before the grain dropped it and added it
            // after the first removal: remove it again, and keep answers still in flight from being added.
            _near?.Invalidate(key, fingerprint);
        }
    }

    private async ValueTask<KeycardToken> FromGrainIntoNearCacheAsync(NearTokenCache near, NearCacheKey key, KeycardTokenRequest request, CancellationToken cancellationToken)
    {
        var generation = near.Generation;
        var grant = await GetGrantAsync(request, cancellationToken).ConfigureAwait(false);
        var token = ToToken(grant);

        // The key hashes request.SubjectToken, the very token the grain just validated for this grant.
        near.Add(key, token, grant.SubjectExpiresAt, generation);
        return token;
    }

    private async ValueTask<KeycardToken> FromGrainAsync(KeycardTokenRequest request, CancellationToken cancellationToken) =>
        ToToken(await GetGrantAsync(request, cancellationToken).ConfigureAwait(false));

    private Task<TokenGrant> GetGrantAsync(KeycardTokenRequest request, CancellationToken cancellationToken)
    {
        var grain = _grains.GetGrain<IUserTokenGrain>(UserTokenGrainKey.ForSubjectToken(request.SubjectToken));

        // Cancellation stops this caller's wait only; the grain's exchange is shared with other callers and goes on.
        return grain.GetTokenAsync(request.SubjectToken, request.Resource, [.. request.Scopes]).WaitAsync(cancellationToken);
    }

    private static KeycardToken ToToken(TokenGrant grant) =>
        new(grant.AccessToken, grant.TokenType, grant.ExpiresAt, grant.Scopes, grant.IssuedTokenType);
}
