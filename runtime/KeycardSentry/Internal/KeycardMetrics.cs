using System.Diagnostics.Metrics;

namespace KeycardSentry.Internal;

/// <summary>The runtime's instruments, created through <see cref="IMeterFactory"/> so each service provider has its own.</summary>
internal sealed class KeycardMetrics
{
    private readonly Counter<long> _exchanges;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _subjectHits;
    private readonly Counter<long> _subjectMisses;
    private readonly Counter<long> _jwksRefreshes;

    public KeycardMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(KeycardDiagnostics.Name);
        _exchanges = meter.CreateCounter<long>(KeycardDiagnostics.Exchanges, "{exchange}", "Token exchanges and refreshes sent to Keycard.");
        _hits = meter.CreateCounter<long>(KeycardDiagnostics.CacheHits, "{call}", "Calls served from the token cache.");
        _misses = meter.CreateCounter<long>(KeycardDiagnostics.CacheMisses, "{call}", "Calls that found no usable cached token.");
        _errors = meter.CreateCounter<long>(KeycardDiagnostics.ExchangeErrors, "{error}", "Failed token exchanges by error code.");
        _duration = meter.CreateHistogram<double>(KeycardDiagnostics.ExchangeDuration, "s", "Duration of token exchanges.");
        _subjectHits = meter.CreateCounter<long>(KeycardDiagnostics.SubjectValidationCacheHits, "{validation}", "JWT subject tokens accepted from the validation cache.");
        _subjectMisses = meter.CreateCounter<long>(KeycardDiagnostics.SubjectValidationCacheMisses, "{validation}", "JWT subject tokens whose signature was checked against the JWKS.");
        _jwksRefreshes = meter.CreateCounter<long>(KeycardDiagnostics.JwksRefreshes, "{fetch}", "Fetches of the zone's metadata and JWKS.");
    }

    public void CacheHit() => _hits.Add(1);

    public void CacheMiss() => _misses.Add(1);

    public void SubjectValidationCacheHit() => _subjectHits.Add(1);

    public void SubjectValidationCacheMiss() => _subjectMisses.Add(1);

    public void JwksFetched(string reason, bool success) =>
        _jwksRefreshes.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("outcome", success ? "success" : "failure"));

    public void Exchanged(string grant, TimeSpan elapsed)
    {
        _exchanges.Add(1, new KeyValuePair<string, object?>("grant", grant));
        _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("grant", grant));
    }

    public void ExchangeFailed(string grant, string error, TimeSpan elapsed)
    {
        _errors.Add(1, new KeyValuePair<string, object?>("error", error), new KeyValuePair<string, object?>("grant", grant));
        _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("grant", grant), new KeyValuePair<string, object?>("error", error));
    }
}
