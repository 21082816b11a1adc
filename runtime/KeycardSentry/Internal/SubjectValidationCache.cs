using Microsoft.Extensions.Logging;

namespace KeycardSentry.Internal;

/// <summary>What <see cref="SubjectValidationCache.Lookup"/> found.</summary>
internal enum SubjectCacheLookup
{
    /// <summary>No trusted entry: validate the token in full.</summary>
    Miss,

    /// <summary>The same token was validated recently and is within its lifetime now.</summary>
    Hit,

    /// <summary>The same token was validated, but its <c>exp</c> has passed (beyond clock skew); the entry is gone.</summary>
    Expired,

    /// <summary>The same token was validated, but the clock is now before its <c>nbf</c> (beyond clock skew); the entry is gone.</summary>
    NotYetValid,
}

/// <summary>
/// Remembers successful JWT subject validations, keyed by the SHA-256 of the exact token string (the token itself is
/// never stored). A hit still re-checks the token's <c>exp</c>/<c>nbf</c> against the injected clock; what it skips is
/// the signature check, and only until <see cref="KeycardOptions.SubjectValidationCacheDuration"/> has passed or the JWKS
/// the signature was checked against is due for a refresh, whichever comes first: the cache never makes a key the zone
/// withdrew work longer than the JWKS refresh alone would (<see cref="KeycardOptions.JwksRefreshInterval"/>).
/// </summary>
/// <remarks>
/// Lookups are lock-free (<see cref="BoundedCache{TKey,TValue}"/>); only eviction, on the miss path after a
/// full validation, takes a lock. Only the validator adds entries, and only after a successful validation, so a
/// forged or altered token (different bytes, so a different hash) never finds one.
/// </remarks>
internal sealed class SubjectValidationCache
{
    private readonly BoundedCache<SubjectTokenHash, Entry> _entries;
    private readonly TimeSpan _duration;
    private readonly TimeSpan _clockSkew;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public SubjectValidationCache(int capacity, TimeSpan duration, TimeSpan clockSkew, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);

        // Oldest first when full: the oldest entries are also the closest to needing a fresh signature check anyway.
        _entries = new BoundedCache<SubjectTokenHash, Entry>(
            capacity,
            e => timeProvider.GetUtcNow() is var now && (e.TrustedUntil <= now || e.Expires <= now - clockSkew),
            e => e.Added);
        _duration = duration;
        _clockSkew = clockSkew;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>How many validations are remembered now.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Looks the token's hash up. <see cref="SubjectCacheLookup.Hit"/> returns the entry; <see cref="SubjectCacheLookup.Expired"/>
    /// and <see cref="SubjectCacheLookup.NotYetValid"/> return it too (for the exception's details) after evicting it.
    /// </summary>
    public SubjectCacheLookup Lookup(in SubjectTokenHash hash, out Entry? entry)
    {
        if (!_entries.TryGetValue(hash, out entry)
            || !SubjectTokenHash.FixedTimeEquals(entry.Hash, hash))
        {
            entry = null;
            return SubjectCacheLookup.Miss;
        }

        // The same checks and the same skew as the full validation, on every call.
        var now = _timeProvider.GetUtcNow();
        if (entry.NotBefore is { } nbf && nbf > now + _clockSkew)
        {
            Remove(entry);
            return SubjectCacheLookup.NotYetValid;
        }

        if (entry.Expires <= now - _clockSkew)
        {
            Remove(entry);
            return SubjectCacheLookup.Expired;
        }

        if (now >= entry.TrustedUntil)
        {
            // The signature was checked too long ago: check it again against the current JWKS.
            Remove(entry);
            entry = null;
            return SubjectCacheLookup.Miss;
        }

        return SubjectCacheLookup.Hit;
    }

    /// <summary>
    /// Remembers a successful validation until <c>min(exp + ClockSkew, now + duration, keysRefreshDue)</c>: the first
    /// bound is the last instant the full validation itself would accept the token, the second how long a checked
    /// signature is trusted, the third when the keys it was checked against are replaced by a fresh JWKS (after which a
    /// withdrawn key must no longer vouch for the token).
    /// </summary>
    public void Add(in SubjectTokenHash hash, SubjectIdentity identity, DateTimeOffset? notBefore, DateTimeOffset expires, DateTimeOffset? keysRefreshDue = null)
    {
        var now = _timeProvider.GetUtcNow();
        var trustedUntil = Min(expires + _clockSkew, now + _duration);
        if (keysRefreshDue is { } due)
        {
            trustedUntil = Min(trustedUntil, due);
        }

        if (trustedUntil <= now)
        {
            return;
        }

        var removed = _entries.Set(hash, new Entry(hash, identity, notBefore, expires, trustedUntil, _timeProvider.GetTimestamp()));
        if (removed > 0)
        {
            Log.SubjectValidationsEvicted(_logger, removed, _entries.Capacity);
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private void Remove(Entry entry) => _entries.Remove(entry.Hash, entry);

    /// <summary>One remembered validation. Holds the token's hash, never the token.</summary>
    internal sealed class Entry(SubjectTokenHash hash, SubjectIdentity identity, DateTimeOffset? notBefore, DateTimeOffset expires, DateTimeOffset trustedUntil, long added)
    {
        public SubjectTokenHash Hash { get; } = hash;

        public SubjectIdentity Identity { get; } = identity;

        public DateTimeOffset? NotBefore { get; } = notBefore;

        public DateTimeOffset Expires { get; } = expires;

        public DateTimeOffset TrustedUntil { get; } = trustedUntil;

        public long Added { get; } = added;
    }
}
