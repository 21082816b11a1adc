using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using KeycardSentry.Internal;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// The key of a near-cache entry: the SHA-256 of the exact subject-token string (never the token), the resource and the
/// sorted scope set. Equality compares all 32 bytes of the hash; a hit compares them once more in constant time.
/// </summary>
internal readonly record struct NearCacheKey(SubjectTokenHash Hash, string Resource, string Scopes)
{
    public static NearCacheKey For(KeycardTokenRequest request) =>
        new(SubjectTokenHash.Compute(request.SubjectToken), request.Resource, request.ScopeString);

    public override string ToString() => $"NearCacheKey {{ Resource = {Resource}, Scopes = [{Scopes}] }}";
}

/// <summary>What <see cref="NearTokenCache.TryGet"/> found.</summary>
internal enum NearCacheLookup
{
    /// <summary>A grant for these subject-token bytes, servable now.</summary>
    Hit,

    /// <summary>No entry for these subject-token bytes, resource and scopes.</summary>
    Absent,

    /// <summary>There was one, past its serve-until instant (token expiry - skew, subject expiry or max age); it is gone.</summary>
    Expired,
}

/// <summary>
/// Per-process copies of grants the user token grains returned, so a repeated call with the same subject token costs no
/// grain call. An entry is only ever added with the grant the grain returned for the very subject-token bytes hashed
/// into its key, after the grain validated that token; nothing is validated here, and a token with other bytes
/// (forged, altered, another user's) never finds an entry, so it always goes to the grain.
/// </summary>
/// <remarks>
/// Hits are lock-free (<see cref="ConcurrentDictionary{TKey,TValue}"/> reads). Adds, invalidations and eviction take one
/// lock; they happen on the grain-call path only. Every invalidation bumps a generation, and a grain answer that
/// started before the bump is not added: it may carry the token being invalidated, which the grain drops meanwhile.
/// </remarks>
internal sealed class NearTokenCache
{
    private readonly ConcurrentDictionary<NearCacheKey, Entry> _entries = new();
    private readonly Lock _writeLock = new();
    private readonly int _capacity;
    private readonly TimeSpan _maxAge;
    private readonly TimeSpan _expirySkew;
    private readonly TimeProvider _time;
    private readonly NearCacheMetrics _metrics;
    private long _generation;
    private long _sequence;

    public NearTokenCache(int capacity, TimeSpan maxAge, TimeSpan expirySkew, TimeProvider time, NearCacheMetrics metrics)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        _capacity = capacity;
        _maxAge = maxAge;
        _expirySkew = expirySkew;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>How many entries are held now.</summary>
    public int Count => _entries.Count;

    /// <summary>Read before a grain call; pass to <see cref="Add"/> with its answer.</summary>
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>Looks the key up; a hit is an entry for these exact subject-token bytes whose serve-until is after now.</summary>
    public NearCacheLookup TryGet(in NearCacheKey key, out KeycardToken? token)
    {
        token = null;
        if (!_entries.TryGetValue(key, out var entry) || !SubjectTokenHash.FixedTimeEquals(entry.Key.Hash, key.Hash))
        {
            _metrics.Miss("absent");
            return NearCacheLookup.Absent;
        }

        // Checked on every hit against the clock: token expiry - skew, the subject token's own exp (no clock-skew
        // allowance: stricter than the grain), and the max age.
        if (_time.GetUtcNow() >= entry.ServeUntil)
        {
            _entries.TryRemove(new KeyValuePair<NearCacheKey, Entry>(entry.Key, entry));
            _metrics.Miss("expired");
            return NearCacheLookup.Expired;
        }

        _metrics.Hit();
        token = entry.Token;
        return NearCacheLookup.Hit;
    }

    /// <summary>
    /// Keeps the grain's answer for <paramref name="key"/> until
    /// <c>min(token.ExpiresAt - ExpirySkew, subjectExpiresAt, now + NearCacheMaxAge)</c>, unless an invalidation happened
    /// since <paramref name="generation"/> was read.
    /// </summary>
    public void Add(in NearCacheKey key, KeycardToken token, DateTimeOffset? subjectExpiresAt, long generation)
    {
        var now = _time.GetUtcNow();
        var serveUntil = token.ExpiresAt - _expirySkew;
        if (subjectExpiresAt is { } subjectExpiry && subjectExpiry < serveUntil)
        {
            serveUntil = subjectExpiry;
        }

        if (now + _maxAge < serveUntil)
        {
            serveUntil = now + _maxAge;
        }

        if (serveUntil <= now)
        {
            return;
        }

        lock (_writeLock)
        {
            if (_generation != generation)
            {
                return;
            }

            _entries[key] = new Entry(key, token, serveUntil, ++_sequence);
            if (_entries.Count > _capacity)
            {
                Evict(now);
            }
        }
    }

    /// <summary>
    /// Drops the entry for <paramref name="key"/> if its token has <paramref name="fingerprint"/> (compared in constant
    /// time); a stale fingerprint leaves a newer entry alone. Answers to grain calls in flight are not added afterwards.
    /// </summary>
    public bool Invalidate(in NearCacheKey key, string fingerprint)
    {
        lock (_writeLock)
        {
            _generation++;
            if (_entries.TryGetValue(key, out var entry)
                && SubjectTokenHash.FixedTimeEquals(entry.Key.Hash, key.Hash)
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(entry.Token.Fingerprint), Encoding.UTF8.GetBytes(fingerprint)))
            {
                return _entries.TryRemove(new KeyValuePair<NearCacheKey, Entry>(key, entry));
            }

            return false;
        }
    }

    /// <summary>Drops everything (e.g. when the app signs all users out).</summary>
    public void Clear()
    {
        lock (_writeLock)
        {
            _generation++;
            _entries.Clear();
        }
    }

    private void Evict(DateTimeOffset now) =>
        _metrics.Evicted(BoundedEviction.Evict(_entries, _capacity, e => e.ServeUntil <= now, e => e.Added));

    /// <summary>One kept grant. Holds the subject token's hash, never the subject token.</summary>
    /// <remarks><c>Added</c> is an insertion sequence number (not a clock reading), so "oldest" is exact.</remarks>
    private sealed class Entry(NearCacheKey key, KeycardToken token, DateTimeOffset serveUntil, long added)
    {
        public NearCacheKey Key { get; } = key;

        public KeycardToken Token { get; } = token;

        public DateTimeOffset ServeUntil { get; } = serveUntil;

        public long Added { get; } = added;
    }
}
