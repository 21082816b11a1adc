using System.ComponentModel.DataAnnotations;

namespace KeycardSentry.Orleans;

/// <summary>
/// How long the user token grains live. Bound from the <c>Keycard</c> configuration section (the same section as the
/// exchange client's options, whose <c>ExpirySkew</c>, <c>RefreshAhead</c> and back-off the grains' token tables follow)
/// and validated when the silo starts.
/// </summary>
public sealed class KeycardTokenGrainOptions
{
    /// <summary>
    /// How long a user's grain stays active without calls before Orleans deactivates it, dropping its tokens (nothing is
    /// persisted). Default 15 minutes; at least one minute (Orleans' minimum collection age).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan GrainIdleTimeout { get; set; } = TimeSpan.FromMinutes(15);
}
