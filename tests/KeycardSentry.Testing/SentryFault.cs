using System.Globalization;
using System.Text.Json;

namespace KeycardSentry.Testing;

/// <summary>
/// A canned answer from the Sentry stand-in, given to the next request with a valid token
/// (<see cref="LocalSentryApi.EnqueueFault"/>) or chosen per request (<see cref="LocalSentryApi.FaultHook"/>). The
/// stand-in adds its <c>X-Sentry-Rate-Limit-*</c> headers (<c>-Remaining: 0</c> on a 429); <see cref="Headers"/> win.
/// </summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The JSON body.</param>
/// <param name="Headers">Response headers.</param>
public sealed record SentryFault(int StatusCode, string Body, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>Sentry's 429 detail.</summary>
    public const string RateLimitedDetail = "You are attempting to use this endpoint too frequently.";

    /// <summary>403 with Sentry's plain detail (or <paramref name="detail"/>).</summary>
    public static SentryFault Forbidden(string detail = LocalSentryApi.ForbiddenDetail) =>
        new(403, JsonSerializer.Serialize(new { detail }), new Dictionary<string, string>());

    /// <summary>403 with a nested detail <c>{"detail":{"code":..,"message":..,"extra":null}}</c>.</summary>
    public static SentryFault ForbiddenNested(string code, string message) =>
        new(403, JsonSerializer.Serialize(new { detail = new { code, message, extra = (object?)null } }), new Dictionary<string, string>());

    /// <summary>401 with <c>{"detail": detail}</c> and <c>WWW-Authenticate: xBasic realm="api"</c>.</summary>
    public static SentryFault Unauthorized(string detail = LocalSentryApi.InvalidTokenDetail) =>
        new(401, JsonSerializer.Serialize(new { detail }), new Dictionary<string, string> { ["WWW-Authenticate"] = LocalSentryApi.WwwAuthenticate });

    /// <summary>429 with <c>Retry-After: seconds</c>.</summary>
    public static SentryFault RateLimitedRetryAfter(TimeSpan retryAfter) =>
        RateLimited(new Dictionary<string, string> { ["Retry-After"] = ((long)retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture) });

    /// <summary>429 with <c>Retry-After</c> as an HTTP date.</summary>
    public static SentryFault RateLimitedRetryAt(DateTimeOffset at) =>
        RateLimited(new Dictionary<string, string> { ["Retry-After"] = at.ToString("r", CultureInfo.InvariantCulture) });

    /// <summary>429 without <c>Retry-After</c>: only Sentry's <c>X-Sentry-Rate-Limit-Reset</c> (UTC epoch seconds) says when to come back.</summary>
    public static SentryFault RateLimitedUntil(DateTimeOffset reset) =>
        RateLimited(new Dictionary<string, string> { ["X-Sentry-Rate-Limit-Reset"] = reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) });

    private static SentryFault RateLimited(Dictionary<string, string> headers) =>
        new(429, JsonSerializer.Serialize(new { detail = RateLimitedDetail }), headers);
}
