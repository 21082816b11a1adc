using System.Diagnostics.Metrics;

namespace KeycardSentry.Orleans.Internal;

/// <summary>The numbers of the user token grains, on the <c>KeycardSentry.Orleans</c> meter.</summary>
internal sealed class KeycardGrainMetrics
{
    public const string MeterName = "KeycardSentry.Orleans";

    private readonly Counter<long> _exchanges;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _refreshes;
    private readonly Counter<long> _refreshFailures;
    private readonly Counter<long> _invalidations;
    private readonly Counter<long> _denials;

    public KeycardGrainMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _exchanges = meter.CreateCounter<long>("keycard.grain.exchanges", description: "Token exchanges done by user token grains on a caller's request.");
        _cacheHits = meter.CreateCounter<long>("keycard.grain.cache_hits", description: "Calls served from a grain's cache.");
        _refreshes = meter.CreateCounter<long>("keycard.grain.refreshes", description: "Tokens renewed ahead of expiry by the grain timer.");
        _refreshFailures = meter.CreateCounter<long>("keycard.grain.refresh_failures", description: "Ahead-of-expiry renewals that Keycard refused or failed.");
        _invalidations = meter.CreateCounter<long>("keycard.grain.invalidations", description: "Cached tokens dropped by a matching fingerprint.");
        _denials = meter.CreateCounter<long>("keycard.grain.denials", description: "Calls refused because the subject token did not prove the grain's user.");
    }

    public void Exchanged() => _exchanges.Add(1);

    public void CacheHit() => _cacheHits.Add(1);

    public void Refreshed(string method) => _refreshes.Add(1, new KeyValuePair<string, object?>("method", method));

    public void RefreshFailed() => _refreshFailures.Add(1);

    public void Invalidated() => _invalidations.Add(1);

    public void Denied(string reason) => _denials.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
