using System.Diagnostics.Metrics;

namespace KeycardSentry.Orleans.Internal;

/// <summary>The numbers of the user token grains, on the <c>KeycardSentry.Orleans</c> meter.</summary>
internal sealed class KeycardGrainMetrics
{
    public const string MeterName = "KeycardSentry.Orleans";

    private readonly Counter<long> _exchanges;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _invalidations;
    private readonly Counter<long> _denials;

    public KeycardGrainMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _exchanges = meter.CreateCounter<long>("keycard.grain.fetches", description: "Calls a user token grain could not serve from its cache (they waited for an exchange, or shared one).");
        _cacheHits = meter.CreateCounter<long>("keycard.grain.cache_hits", description: "Calls served from a grain's cache.");
        _invalidations = meter.CreateCounter<long>("keycard.grain.invalidations", description: "Cached tokens dropped by a matching fingerprint.");
        _denials = meter.CreateCounter<long>("keycard.grain.denials", description: "Calls refused because the subject token did not prove the grain's user (tag reason = invalid_subject | wrong_user).");
    }

    public void Fetched() => _exchanges.Add(1);

    public void CacheHit() => _cacheHits.Add(1);

    public void Invalidated() => _invalidations.Add(1);

    public void Denied(string reason) => _denials.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
