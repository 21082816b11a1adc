namespace KeycardSentry.Testing;

/// <summary>
/// How a <see cref="LocalSentryApi"/> behaves. Every member has a default; <see cref="LocalSentryApi.StartAsync(LocalKeycardZone, LocalSentryApiOptions?)"/>
/// checks them and names the member that is out of range.
/// </summary>
public sealed class LocalSentryApiOptions
{
    /// <summary>The repository-relative path of the default OpenAPI document.</summary>
    public const string DefaultSpecFile = "specs/sentry.openapi.json";

    /// <summary>The repository-relative path of the default scope catalog.</summary>
    public const string DefaultScopeCatalogFile = "specs/sentry.scopes.json";

    /// <summary>
    /// The OpenAPI 3.x document whose operations the stand-in serves (JSON). Default: the repository's
    /// <c>specs/sentry.openapi.json</c>, found through <see cref="RepositoryFiles.Root"/>. Sentry's published
    /// document (<c>../shared/sentry/openapi.json</c>) works too.
    /// </summary>
    public string? SpecPath { get; set; }

    /// <summary>
    /// The scope catalog (<c>resource</c> and, per scope, the scopes it <c>implies</c>). Default: the repository's
    /// <c>specs/sentry.scopes.json</c>.
    /// </summary>
    public string? ScopeCatalogPath { get; set; }

    /// <summary>
    /// The resource a token must have been issued for. Default: the catalog's <c>resource</c>
    /// (<c>https://sentry.io/api/0</c>).
    /// </summary>
    public string? Resource { get; set; }

    /// <summary>The seed of the generated bodies: the same seed and spec give the same bytes. Default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>How many items a list operation has in all (across its pages), 0 to 1000. Default 5.</summary>
    public int ListLength { get; set; } = 5;

    /// <summary>
    /// The page size of list operations when the request has no <c>per_page</c>, 1 to 100. Default 2, so a default
    /// list has three pages and a client's <c>Link</c> handling is exercised.
    /// </summary>
    public int PageSize { get; set; } = 2;

    /// <summary>
    /// Requests a user may make to one operation per <see cref="RateLimitWindow"/>, sent as
    /// <c>X-Sentry-Rate-Limit-Limit</c>. Default 40 (Sentry's common per-user limit).
    /// </summary>
    public int RateLimit { get; set; } = 40;

    /// <summary>The rate-limit window, on the zone's clock. <c>X-Sentry-Rate-Limit-Reset</c> is its end. Default one second.</summary>
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Concurrent requests a user may have per operation, sent as <c>X-Sentry-Rate-Limit-ConcurrentLimit</c>. Default 25.</summary>
    public int ConcurrentRateLimit { get; set; } = 25;

    /// <summary>
    /// When true, a request beyond <see cref="RateLimit"/> in its window is answered 429 the way Sentry does
    /// (<c>X-Sentry-Rate-Limit-Remaining: 0</c>, <c>-Reset</c>, no <c>Retry-After</c>). Default false: the headers are
    /// sent, nothing is refused (load harnesses call far more often).
    /// </summary>
    public bool EnforceRateLimit { get; set; }

    internal void Validate()
    {
        Check(ListLength is >= 0 and <= 1000, nameof(ListLength), "0 to 1000", ListLength);
        Check(PageSize is >= 1 and <= 100, nameof(PageSize), "1 to 100", PageSize);
        Check(RateLimit >= 1, nameof(RateLimit), "at least 1", RateLimit);
        Check(ConcurrentRateLimit >= 1, nameof(ConcurrentRateLimit), "at least 1", ConcurrentRateLimit);
        Check(RateLimitWindow >= TimeSpan.FromMilliseconds(1) && RateLimitWindow <= TimeSpan.FromDays(1), nameof(RateLimitWindow), "1 ms to 1 day", RateLimitWindow);
    }

    private static void Check(bool ok, string name, string range, object value)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"LocalSentryApiOptions.{name} must be {range}.");
        }
    }
}
