using System.Runtime.InteropServices;
using System.Security.Cryptography;
using KeycardSentry.Internal;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// The key of a near-cache entry: the SHA-256 of the exact subject-token string (never the token), the resource and the
/// normalised scope string. Equality compares all 32 bytes of the hash; a hit compares them once more in constant time.
/// </summary>
internal readonly record struct NearCacheKey(SubjectTokenHash Hash, string Resource, string Scopes)
{
    public static NearCacheKey For(KeycardTokenRequest request) =>
        new(SubjectTokenHash.Of(request.SubjectToken), request.Resource, request.ScopeString);

    public override string ToString() => $"NearCacheKey {{ Resource = {Resource}, Scopes = [{Scopes}] }}";
}

/// <summary>What <see cref="NearTokenCache.TryGet"/> found.</summary>
internal enum NearCacheLookup
{
    /// <summary>A grant for these subject-token bytes, servable now.</summary>
    Hit,

    /// <summary>
    /// A grant servable now but past the grain's refresh point: serve it, and ask the grain again in the background (this
    /// lookup won the entry's refresh slot; the next one opens after <see cref="TokenEntry.CopyAskAgainDuringRefresh"/>).
    /// </summary>
    HitRefreshDue,

    /// <summary>No entry for these subject-token bytes, resource and scopes.</summary>
    Absent,

    /// <summary>There was one, past its serve-until instant; it is gone.</summary>
    Expired,
}

/// <summary>
/// Per-process copies of grants the user token grains returned, so a repeated call with the same subject token costs no
/// grain call. An entry is only ever added with the grant the grain returned for the very subject-token bytes hashed
/// into its key, after the grain validated that token; nothing is validated here, and a token with other bytes
/// (forged, altered, another user's) never finds an entry, so it always goes to the grain.
/// </summary>
/// <remarks>
/// Hits are lock-free. An invalidation bumps the generation of its key's stripe (one of 256, chosen by the key's hash),
/// and a grain answer that started before the bump is not added, since it may carry the token being invalidated: one
/// user's 401 only ever holds back answers for keys that share its stripe, not everyone's.
/// </remarks>
internal sealed class NearTokenCache
{
    internal const int Stripes = 256;

    private readonly BoundedCache<NearCacheKey, Entry> _entries;
    private readonly long[] _generations = new long[Stripes];
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _time;
    private readonly NearCacheMetrics _metrics;
    private long _sequence;

    public NearTokenCache(int capacity, TimeSpan maxAge, TimeProvider time, NearCacheMetrics metrics)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        _maxAge = maxAge;
        _time = time;
        _metrics = metrics;
        _entries = new BoundedCache<NearCacheKey, Entry>(capacity, e => e.ServeUntil <= time.GetUtcNow(), e => e.Added);
    }

    /// <summary>How many entries are held now.</summary>
    public int Count => _entries.Count;

    /// <summary>Read before a grain call; pass to <see cref="Add"/> with its answer.</summary>
    public long GenerationOf(in NearCacheKey key) => Volatile.Read(ref _generations[Stripe(key)]);

    /// <summary>Looks the key up; a hit is an entry for these exact subject-token bytes whose serve-until is after now.</summary>
    public NearCacheLookup TryGet(in NearCacheKey key, out KeycardToken? token)
    {
        token = null;
        if (!_entries.TryGetValue(key, out var entry) || !SubjectTokenHash.FixedTimeEquals(entry.Key.Hash, key.Hash))
        {
            _metrics.Miss("absent");
            return NearCacheLookup.Absent;
        }

        var now = _time.GetUtcNow();
        if (now >= entry.ServeUntil)
        {
            _entries.Remove(entry.Key, entry);
            _metrics.Miss("expired");
            return NearCacheLookup.Expired;
        }

        _metrics.Hit();
        token = entry.Token;
        return entry.TryStartRefresh(now) ? NearCacheLookup.HitRefreshDue : NearCacheLookup.Hit;
    }

    /// <summary>
    /// Keeps the grain's answer for <paramref name="key"/> until <c>min(servableUntil, subjectExpiresAt, now + NearCacheMaxAge)</c>,
    /// asking the grain again in the background from <paramref name="askAgainAt"/> on (the grain's refresh point), unless
    /// an invalidation of the key's stripe happened since <paramref name="generation"/> was read.
    /// </summary>
    public void Add(in NearCacheKey key, KeycardToken token, DateTimeOffset askAgainAt, DateTimeOffset servableUntil, DateTimeOffset? subjectExpiresAt, long generation)
    {
        var now = _time.GetUtcNow();
        var serveUntil = servableUntil;
        if (subjectExpiresAt is { } subjectExpiry && subjectExpiry < serveUntil)
        {
            serveUntil = subjectExpiry;
        }

        if (now + _maxAge < serveUntil)
        {
            serveUntil = now + _maxAge;
        }

        if (serveUntil <= now || GenerationOf(key) != generation)
        {
            return;
        }

        var entry = new Entry(key, token, serveUntil, askAgainAt, Interlocked.Increment(ref _sequence));
        _metrics.Evicted(_entries.Set(key, entry));

        // An invalidation may have slipped in between the check and the set: take the entry back out then.
        if (GenerationOf(key) != generation)
        {
            _entries.Remove(key, entry);
        }
    }

    /// <summary>
    /// Drops the entry for <paramref name="key"/> if its token has <paramref name="fingerprint"/> (compared in constant
    /// time); a stale fingerprint leaves a newer entry alone. Answers for the key's stripe in flight are not added afterwards.
    /// </summary>
    public bool Invalidate(in NearCacheKey key, string fingerprint)
    {
        Interlocked.Increment(ref _generations[Stripe(key)]);
        return _entries.TryGetValue(key, out var entry)
            && SubjectTokenHash.FixedTimeEquals(entry.Key.Hash, key.Hash)
            && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(entry.Token.Fingerprint.AsSpan()), MemoryMarshal.AsBytes(fingerprint.AsSpan()))
            && _entries.Remove(key, entry);
    }

    /// <summary>Drops everything (e.g. when the app signs all users out).</summary>
    public void Clear()
    {
        for (var i = 0; i < Stripes; i++)
        {
            Interlocked.Increment(ref _generations[i]);
        }

        _entries.Clear();
    }

    internal static int Stripe(in NearCacheKey key) => (int)((uint)key.GetHashCode() % Stripes);

    /// <summary>One kept grant. Holds the subject token's hash, never the subject token.</summary>
    /// <remarks><c>Added</c> is an insertion sequence number (not a clock reading), so "oldest" is exact.</remarks>
    private sealed class Entry(NearCacheKey key, KeycardToken token, DateTimeOffset serveUntil, DateTimeOffset refreshAt, long added)
    {
        private long _nextRefreshTicks = refreshAt.UtcTicks;

        public NearCacheKey Key { get; } = key;

        public KeycardToken Token { get; } = token;

        public DateTimeOffset ServeUntil { get; } = serveUntil;

        public long Added { get; } = added;

        /// <summary>
        /// True for exactly one caller per <see cref="TokenEntry.CopyAskAgainDuringRefresh"/> once the refresh point has
        /// passed: the pace the grain asks for during a refresh, kept here too so a failed or slow ask is not repeated per call.
        /// </summary>
        public bool TryStartRefresh(DateTimeOffset now)
        {
            var next = Volatile.Read(ref _nextRefreshTicks);
            return now.UtcTicks >= next
                && Interlocked.CompareExchange(ref _nextRefreshTicks, (now + TokenEntry.CopyAskAgainDuringRefresh).UtcTicks, next) == next;
        }
    }
}
