namespace KeycardSentry.Orleans;

/// <summary>
/// How the client side of <c>AddKeycardOrleansTokenCache()</c> keeps grants it got from the user token grains. Bound from the <c>Keycard</c> configuration section (the same section as the grains' and
/// the in-process cache's options) and validated when the provider is created.
/// </summary>
/// <remarks>
/// The near cache keeps, per process, a grant the grain returned for the exact subject-token bytes of a call (keyed by
/// their SHA-256, never the token), so the next call with the same token, resource and scope set costs no grain call.
/// See the KeycardSentry.Orleans README for why that is safe.
/// </remarks>
public sealed class KeycardOrleansClientOptions
{
    /// <summary>Keep grants in a per-process near cache. Default true; false sends every call to the user's grain.</summary>
    public bool NearCache { get; set; } = true;

    /// <summary>
    /// How many grants the near cache keeps (one per subject token, resource and scope set); when it passes this, expired
    /// entries and then the oldest tenth go. 0 turns the near cache off. Default 10 000.
    /// </summary>
    public int NearCacheSize { get; set; } = 10_000;

    /// <summary>
    /// The longest a grant is served from the near cache before the grain is asked again (which re-validates the subject
    /// token). A grant is never kept past the instant the grain gave with it (the token's refresh point, so the grain sees
    /// a call in time to refresh ahead) nor past the subject token's own expiry. <see cref="TimeSpan.Zero"/> turns the near
    /// cache off. Default 5 minutes.
    /// </summary>
    public TimeSpan NearCacheMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>True when the options turn the near cache on.</summary>
    internal bool NearCacheEnabled => NearCache && NearCacheSize > 0 && NearCacheMaxAge > TimeSpan.Zero;

    /// <inheritdoc />
    public override string ToString() =>
        $"KeycardOrleansClientOptions {{ NearCache = {NearCache}, NearCacheSize = {NearCacheSize}, NearCacheMaxAge = {NearCacheMaxAge} }}";
}
