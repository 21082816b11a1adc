using System.Diagnostics.Metrics;

namespace KeycardSentry.Silo.Demo;

/// <summary>
/// Reads the token path's own counters from every host in this process (a <see cref="MeterListener"/> on the
/// <c>KeycardSentry.Orleans</c> meter): where each token get of an app was served.
/// </summary>
internal sealed class DemoMeters : IDisposable
{
    private const string MeterName = "KeycardSentry.Orleans";
    private const string NearCacheHits = "keycard.near_cache.hits";
    private const string GrainCacheHits = "keycard.grain.cache_hits";
    private const string GrainFetches = "keycard.grain.fetches";

    private readonly MeterListener _listener = new();
    private long _nearCacheHits;
    private long _grainCacheHits;
    private long _grainFetches;

    public DemoMeters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name is NearCacheHits or GrainCacheHits or GrainFetches)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case NearCacheHits:
                    Interlocked.Add(ref _nearCacheHits, value);
                    break;
                case GrainCacheHits:
                    Interlocked.Add(ref _grainCacheHits, value);
                    break;
                case GrainFetches:
                    Interlocked.Add(ref _grainFetches, value);
                    break;
            }
        });
        _listener.Start();
    }

    /// <summary>The counters now.</summary>
    public TokenSources Snapshot() => new(Interlocked.Read(ref _nearCacheHits), Interlocked.Read(ref _grainCacheHits), Interlocked.Read(ref _grainFetches));

    public void Dispose() => _listener.Dispose();
}

/// <summary>Token gets served by an app's near cache, by the user's grain from its cache, and by the grain after an exchange.</summary>
internal readonly record struct TokenSources(long NearCache, long Grain, long Exchange)
{
    public static TokenSources operator -(TokenSources after, TokenSources before) =>
        new(after.NearCache - before.NearCache, after.Grain - before.Grain, after.Exchange - before.Exchange);

    public long Total => NearCache + Grain + Exchange;
}
