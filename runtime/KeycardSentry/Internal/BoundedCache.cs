using System.Collections.Concurrent;

namespace KeycardSentry.Internal;

/// <summary>
/// The one bounded map behind the runtime's caches (the in-process token cache, the subject validation cache and the
/// Orleans near cache). Reads are lock-free <see cref="ConcurrentDictionary{TKey,TValue}"/> lookups; when an add takes
/// the map past its capacity, one pass under a lock drops the entries the cache calls expired, then, if still over,
/// the oldest tenth (at least the excess), so a full cache does not sort on every add.
/// </summary>
/// <remarks>
/// The eviction pass snapshots the map through its enumerator, which tolerates concurrent adds and removes (copying
/// the map as a collection does not: it throws when the map grows during the copy), and removes an entry only if it
/// is still the one the snapshot saw.
/// </remarks>
internal sealed class BoundedCache<TKey, TValue>
    where TKey : notnull
    where TValue : class
{
    private readonly ConcurrentDictionary<TKey, TValue> _entries;
    private readonly Func<TValue, bool> _isExpired;
    private readonly Func<TValue, long> _age;
    private readonly Lock _evictionLock = new();

    /// <param name="capacity">The bound; at least 1.</param>
    /// <param name="isExpired">True for an entry that can no longer be served (dropped first).</param>
    /// <param name="age">Orders entries for eviction: the smallest values go first (e.g. a last-used timestamp).</param>
    /// <param name="comparer">The key comparer, or null for the default.</param>
    public BoundedCache(int capacity, Func<TValue, bool> isExpired, Func<TValue, long> age, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _isExpired = isExpired;
        _age = age;
        _entries = new ConcurrentDictionary<TKey, TValue>(comparer);
    }

    public int Capacity { get; }

    public int Count => _entries.Count;

    /// <summary>True when the map holds nothing; unlike <see cref="Count"/>, takes no lock (a per-call check can afford it).</summary>
    public bool IsEmpty => _entries.IsEmpty;

    public bool TryGetValue(TKey key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value) => _entries.TryGetValue(key, out value);

    /// <summary>The entry for <paramref name="key"/>, created by <paramref name="create"/> when absent (then bounded).</summary>
    public TValue GetOrAdd<TState>(TKey key, Func<TKey, TState, TValue> create, TState state)
    {
        if (_entries.TryGetValue(key, out var existing))
        {
            return existing;
        }

        var value = _entries.GetOrAdd(key, create, state);
        EvictIfFull();
        return value;
    }

    /// <summary>Sets the entry for <paramref name="key"/>, then keeps the map within its bound.</summary>
    /// <returns>How many entries eviction removed.</returns>
    public int Set(TKey key, TValue value)
    {
        _entries[key] = value;
        return EvictIfFull();
    }

    /// <summary>Removes the entry only if it is still <paramref name="value"/> (a newer one is left alone).</summary>
    public bool Remove(TKey key, TValue value) => _entries.TryRemove(new KeyValuePair<TKey, TValue>(key, value));

    public void Clear() => _entries.Clear();

    private int EvictIfFull()
    {
        if (_entries.Count <= Capacity)
        {
            return 0;
        }

        lock (_evictionLock)
        {
            return _entries.Count <= Capacity ? 0 : Evict();
        }
    }

    private int Evict()
    {
        // The enumerator is safe under concurrent writes; what it yields is a moment-in-time-ish view, which is enough.
        var snapshot = new List<KeyValuePair<TKey, TValue>>(_entries.Count + 16);
        var removed = 0;
        foreach (var pair in _entries)
        {
            if (_isExpired(pair.Value))
            {
                if (_entries.TryRemove(pair))
                {
                    removed++;
                }
            }
            else
            {
                snapshot.Add(pair);
            }
        }

        var excess = _entries.Count - Capacity;
        if (excess <= 0)
        {
            return removed;
        }

        var batch = Math.Min(snapshot.Count, Math.Max(excess, Capacity / 10));
        var ages = new long[snapshot.Count];
        for (var i = 0; i < ages.Length; i++)
        {
            ages[i] = _age(snapshot[i].Value);
        }

        var order = snapshot.ToArray();
        Array.Sort(ages, order);
        for (var i = 0; i < batch; i++)
        {
            if (_entries.TryRemove(order[i]))
            {
                removed++;
            }
        }

        return removed;
    }
}
