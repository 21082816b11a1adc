namespace KeycardSentry;

/// <summary>
/// Hands out exchanged tokens. The rest of the runtime depends only on this interface: the in-process cache is the
/// embedded default, the Orleans grain-backed provider (<c>AddKeycardOrleansTokenCache()</c>) replaces it cluster-wide.
/// Every implementation must bind a cached token to the user who proved it (see README, "Cache and security").
/// </summary>
public interface IKeycardTokenProvider
{
    /// <summary>Gets a token for the subject, resource and scope set of <paramref name="request"/>, exchanging when needed.</summary>
    /// <exception cref="KeycardExchangeException">Keycard refused or failed the exchange.</exception>
    /// <exception cref="KeycardSubjectException">The subject token is invalid, expired or forged.</exception>
    ValueTask<KeycardToken> GetTokenAsync(KeycardTokenRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Drops the cached token whose <see cref="KeycardToken.Fingerprint"/> is <paramref name="fingerprint"/>, if it is
    /// still the cached one. A stale fingerprint (a newer token already cached) changes nothing.
    /// The caller must prove the same user as for <see cref="GetTokenAsync"/>.
    /// </summary>
    ValueTask InvalidateAsync(KeycardTokenRequest request, string fingerprint, CancellationToken cancellationToken = default);
}
