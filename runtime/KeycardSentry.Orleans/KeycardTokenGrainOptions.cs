using System.ComponentModel.DataAnnotations;

namespace KeycardSentry.Orleans;

/// <summary>
/// How the user token grains cache and refresh. Bound from the <c>Keycard</c> configuration section (the same section
/// as the exchange client's options) and validated when the silo starts.
/// </summary>
public sealed class KeycardTokenGrainOptions
{
    /// <summary>A cached token is served until <c>ExpiresAt - ExpirySkew</c>. Default 60 seconds (as the in-process cache).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ExpirySkew { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long before it stops being served a token in use is refreshed by the grain's timer. Default 2 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RefreshAhead { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A token counts as "in use", and is refreshed ahead of expiry, only if a caller asked for it this recently.
    /// Default 10 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RefreshIfUsedWithin { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a user's grain stays active without calls before Orleans deactivates it, dropping its tokens (nothing is
    /// persisted). Default 15 minutes; at least one minute (Orleans' minimum collection age).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan GrainIdleTimeout { get; set; } = TimeSpan.FromMinutes(15);
}
