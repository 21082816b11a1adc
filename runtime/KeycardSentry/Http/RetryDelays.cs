namespace KeycardSentry.Internal;

/// <summary>Bounds a wait an API asked for: negative waits are none, absurd ones (over a day) are ignored.</summary>
internal static class RetryDelays
{
    public static readonly TimeSpan Longest = TimeSpan.FromDays(1);

    public static TimeSpan? Bound(TimeSpan wait) => wait < TimeSpan.Zero ? TimeSpan.Zero : wait > Longest ? null : wait;

    /// <summary>The wait until UTC epoch the UTC epoch seconds in <paramref name="value"/> (a header value), or null when it is not a finite time within a day.</summary>
    public static TimeSpan? UntilEpochSeconds(string? value, DateTimeOffset now)
    {
        if (value is null || value.Length > 32
            || !double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || !double.IsFinite(seconds)
            || seconds < 0
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return null;
        }

        var wait = seconds - now.ToUnixTimeMilliseconds() / 1000.0;
        return wait > Longest.TotalSeconds ? null : wait <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(wait);
    }
}
