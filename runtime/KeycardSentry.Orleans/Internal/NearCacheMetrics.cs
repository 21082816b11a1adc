using System.Diagnostics.Metrics;

namespace KeycardSentry.Orleans.Internal;

/// <summary>The numbers of the client-side near cache, on the <c>KeycardSentry.Orleans</c> meter (as the grains').</summary>
internal sealed class NearCacheMetrics
{
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _evictions;

    public NearCacheMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(KeycardGrainMetrics.MeterName);
        _hits = meter.CreateCounter<long>("keycard.near_cache.hits", description: "Token requests served from this process's near cache, without a grain call.");
        _misses = meter.CreateCounter<long>("keycard.near_cache.misses", description: "Token requests that went to the user's grain: no entry for these subject-token bytes, or it had expired.");
        _evictions = meter.CreateCounter<long>("keycard.near_cache.evictions", description: "Near-cache entries dropped to keep the cache within Keycard:NearCacheSize.");
    }

    public void Hit() => _hits.Add(1);

    public void Miss(string reason) => _misses.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Evicted(int count)
    {
        if (count > 0)
        {
            _evictions.Add(count);
        }
    }
}
