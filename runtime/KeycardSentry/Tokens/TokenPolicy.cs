namespace KeycardSentry.Internal;

/// <summary>
/// The time arithmetic of a cached token, in one place: until when it is served, from when it is refreshed ahead of
/// that, and how long to wait after failures. Derived from <see cref="KeycardOptions"/>; every value from Keycard
/// (the token's lifetime) is bounded before it decides anything.
/// </summary>
internal sealed class TokenPolicy
{
    /// <summary>No refresh ahead starts sooner than this after a token arrived, however short its life.</summary>
    public static readonly TimeSpan RefreshFloor = TimeSpan.FromSeconds(5);

    public TokenPolicy(TimeSpan expirySkew, TimeSpan refreshAhead, TimeSpan failureBackoff, TimeSpan maxFailureBackoff, TimeSpan opaqueBindingMaxAge)
    {
        ExpirySkew = expirySkew < TimeSpan.Zero ? TimeSpan.Zero : expirySkew;
        RefreshAhead = refreshAhead < TimeSpan.Zero ? TimeSpan.Zero : refreshAhead;
        FailureBackoff = failureBackoff <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : failureBackoff;
        MaxFailureBackoff = maxFailureBackoff < FailureBackoff ? FailureBackoff : maxFailureBackoff;
        OpaqueBindingMaxAge = opaqueBindingMaxAge;
    }

    public static TokenPolicy From(KeycardOptions options) =>
        new(options.ExpirySkew, options.RefreshAhead, options.FailureBackoff, options.MaxFailureBackoff, options.SubjectValidationCacheDuration);

    public TimeSpan ExpirySkew { get; }

    public TimeSpan RefreshAhead { get; }

    public TimeSpan FailureBackoff { get; }

    public TimeSpan MaxFailureBackoff { get; }

    /// <summary>
    /// How long a token bound to an opaque subject token is served at most after the exchange (the zone may revoke the
    /// opaque token; only a new exchange would notice). Zero or less: no extra bound.
    /// </summary>
    public TimeSpan OpaqueBindingMaxAge { get; }

    /// <summary>
    /// Until when a token received at <paramref name="receivedAt"/> is served: <c>expiresAt - skew</c>, where the skew
    /// is at most half the token's life (a 60-second token is served for 30 s, not never); for an opaque binding, also
    /// no longer than <see cref="OpaqueBindingMaxAge"/>.
    /// </summary>
    public DateTimeOffset ServableUntil(DateTimeOffset receivedAt, DateTimeOffset expiresAt, bool opaqueBinding)
    {
        var lifetime = expiresAt - receivedAt;
        if (lifetime <= TimeSpan.Zero)
        {
            return receivedAt;
        }

        var skew = ExpirySkew < lifetime / 2 ? ExpirySkew : lifetime / 2;
        var until = expiresAt - skew;
        if (opaqueBinding && OpaqueBindingMaxAge > TimeSpan.Zero && receivedAt + OpaqueBindingMaxAge < until)
        {
            until = receivedAt + OpaqueBindingMaxAge;
        }

        return until;
    }

    /// <summary>
    /// From when a call that finds the token starts one refresh in the background (the token is still served meanwhile):
    /// <c>RefreshAhead</c> before <paramref name="servableUntil"/>, never earlier than half the served life nor than
    /// <see cref="RefreshFloor"/> after arrival. <see cref="DateTimeOffset.MaxValue"/> when no refresh ahead fits.
    /// </summary>
    public DateTimeOffset RefreshAt(DateTimeOffset receivedAt, DateTimeOffset servableUntil)
    {
        var served = servableUntil - receivedAt;
        if (served <= RefreshFloor || RefreshAhead == TimeSpan.Zero)
        {
            return DateTimeOffset.MaxValue;
        }

        var ahead = RefreshAhead < served / 2 ? RefreshAhead : served / 2;
        var at = servableUntil - ahead;
        if (at < receivedAt + RefreshFloor)
        {
            at = receivedAt + RefreshFloor;
        }

        return at < servableUntil ? at : DateTimeOffset.MaxValue;
    }

    /// <summary>The wait after the <paramref name="failures"/>-th failure in a row: doubling from <see cref="FailureBackoff"/>, at most <see cref="MaxFailureBackoff"/>.</summary>
    public TimeSpan Backoff(int failures)
    {
        var wait = FailureBackoff;
        for (var i = 1; i < failures && wait < MaxFailureBackoff; i++)
        {
            wait += wait;
        }

        return wait < MaxFailureBackoff ? wait : MaxFailureBackoff;
    }
}
