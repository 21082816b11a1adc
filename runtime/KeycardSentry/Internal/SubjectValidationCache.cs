using System.Collections.Concurrent;
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
/// Lookups are lock-free (<see cref="ConcurrentDictionary{TKey,TValue}"/>); only eviction, on the miss path after a
/// full validation, takes a lock. Only the validator adds entries, and only after a successful validation, so a
/// forged or altered token (different bytes, so a different hash) never finds one.
/// </remarks>
internal sealed class SubjectValidationCache
{
    private readonly ConcurrentDictionary<SubjectTokenHash, Entry> _entries = new();
    private readonly int _capacity;
    private readonly TimeSpan _duration;
    private readonly TimeSpan _clockSkew;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _evictionLock = new();

    public SubjectValidationCache(int capacity, TimeSpan duration, TimeSpan clockSkew, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        _capacity = capacity;
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

        _entries[hash] = new Entry(hash, identity, notBefore, expires, trustedUntil, _timeProvider.GetTimestamp());
        if (_entries.Count > _capacity)
        {
            Evict();
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private void Remove(Entry entry) => _entries.TryRemove(new KeyValuePair<SubjectTokenHash, Entry>(entry.Hash, entry));

    private void Evict()
    {
        lock (_evictionLock)
        {
            if (_entries.Count <= _capacity)
            {
                return;
            }

            // Oldest first: the oldest entries are also the closest to needing a fresh signature check anyway.
            var now = _timeProvider.GetUtcNow();
            var removed = BoundedEviction.Evict(
                _entries,
                _capacity,
                e => e.TrustedUntil <= now || e.Expires <= now - _clockSkew,
                e => e.Added);
            Log.SubjectValidationsEvicted(_logger, removed, _capacity);
        }
    }

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
