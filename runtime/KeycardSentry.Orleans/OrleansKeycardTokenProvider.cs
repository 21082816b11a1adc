namespace KeycardSentry.Orleans;

/// <summary>
/// An <see cref="IKeycardTokenProvider"/> backed by the cluster: each call goes to the user's <see cref="IUserTokenGrain"/>,
/// which validates the subject token and owns exchange, cache and refresh. Works inside a silo and in an Orleans
/// client alike (it only needs <see cref="IGrainFactory"/>), and needs no Keycard client secret: the silos exchange.
/// </summary>
public sealed class OrleansKeycardTokenProvider : IKeycardTokenProvider
{
    private readonly IGrainFactory _grains;

    /// <summary>Creates the provider.</summary>
    public OrleansKeycardTokenProvider(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _grains = grains;
    }

    /// <inheritdoc />
    public async ValueTask<KeycardToken> GetTokenAsync(KeycardTokenRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var grain = _grains.GetGrain<IUserTokenGrain>(UserTokenGrainKey.ForSubjectToken(request.SubjectToken));

        // Cancellation stops this caller's wait only; the grain's exchange is shared with other callers and goes on.
        var grant = await grain.GetTokenAsync(request.SubjectToken, request.Resource, [.. request.Scopes]).WaitAsync(cancellationToken).ConfigureAwait(false);
        return new KeycardToken(grant.AccessToken, grant.TokenType, grant.ExpiresAt, grant.Scopes, grant.IssuedTokenType);
    }

    /// <inheritdoc />
    public async ValueTask InvalidateAsync(KeycardTokenRequest request, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        var grain = _grains.GetGrain<IUserTokenGrain>(UserTokenGrainKey.ForSubjectToken(request.SubjectToken));
        await grain.InvalidateAsync(request.SubjectToken, request.Resource, [.. request.Scopes], fingerprint).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
