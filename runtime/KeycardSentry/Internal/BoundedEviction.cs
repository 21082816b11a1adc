using System.Collections.Concurrent;

namespace KeycardSentry.Internal;

/// <summary>
/// The one eviction pass the bounded caches share (token cache, subject-validation cache, Orleans near cache): drop the
/// entries that are expired, then, if still over capacity, the oldest tenth (at least the excess) in one go, so a full
/// cache does not sort on every add. Each cache says what "expired" and "oldest" mean for its entries.
/// </summary>
internal static class BoundedEviction
{
    /// <summary>Runs the pass over <paramref name="entries"/> and returns how many entries it removed.</summary>
    /// <param name="entries">The cache's map. Lookups may run concurrently; callers serialise eviction passes.</param>
    /// <param name="capacity">The bound to get back under.</param>
    /// <param name="isExpired">True for an entry that can no longer be served.</param>
    /// <param name="age">Orders entries: the smallest values are dropped first.</param>
    public static int Evict<TKey, TValue>(
        ConcurrentDictionary<TKey, TValue> entries, int capacity, Func<TValue, bool> isExpired, Func<TValue, long> age)
        where TKey : notnull
    {
        var removed = 0;
        foreach (var pair in entries)
        {
            if (isExpired(pair.Value) && entries.TryRemove(pair))
            {
                removed++;
            }
        }

        var excess = entries.Count - capacity;
        if (excess > 0)
        {
            var batch = Math.Max(excess, capacity / 10);
            foreach (var pair in entries.OrderBy(e => age(e.Value)).Take(batch).ToList())
            {
                if (entries.TryRemove(pair))
                {
                    removed++;
                }
            }
        }

        return removed;
    }
}
