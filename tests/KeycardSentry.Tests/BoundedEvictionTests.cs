using System.Collections.Concurrent;
using KeycardSentry.Internal;
using Xunit;

namespace KeycardSentry.Tests;

public sealed class BoundedEvictionTests
{
    [Fact]
    public void Expired_entries_go_first_and_nothing_else_when_that_is_enough()
    {
        var entries = Map(Enumerable.Range(0, 12));

        var removed = BoundedEviction.Evict(entries, capacity: 10, isExpired: v => v % 5 == 0, age: v => v);

        Assert.Equal(3, removed);
        Assert.Equal([1, 2, 3, 4, 6, 7, 8, 9, 11], entries.Keys.Order());
    }

    [Fact]
    public void Over_capacity_after_the_sweep_drops_the_oldest_tenth_by_the_given_age()
    {
        // Age runs against the key, so "oldest" is the highest key: the order comes from the caller, not the map.
        var entries = Map(Enumerable.Range(0, 101));

        var removed = BoundedEviction.Evict(entries, capacity: 100, isExpired: _ => false, age: v => -v);

        Assert.Equal(10, removed);
        Assert.Equal(91, entries.Count);
        Assert.All(Enumerable.Range(91, 10), k => Assert.False(entries.ContainsKey(k)));
        Assert.True(entries.ContainsKey(90));
    }

    [Fact]
    public void A_large_excess_is_removed_in_full_even_when_it_is_more_than_a_tenth()
    {
        var entries = Map(Enumerable.Range(0, 50));

        var removed = BoundedEviction.Evict(entries, capacity: 20, isExpired: _ => false, age: v => v);

        Assert.Equal(30, removed);
        Assert.Equal(Enumerable.Range(30, 20), entries.Keys.Order());
    }

    private static ConcurrentDictionary<int, int> Map(IEnumerable<int> keys) => new(keys.Select(k => KeyValuePair.Create(k, k)));
}
