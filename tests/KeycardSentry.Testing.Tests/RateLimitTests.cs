using System.Globalization;
using System.Net;
using KeycardSentry.Testing.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace KeycardSentry.Testing.Tests;

/// <summary><c>X-Sentry-Rate-Limit-*</c> on every answer, and 429 when told (a fault) or when the limit is enforced.</summary>
public sealed class RateLimitTests
{
    private static readonly string[] s_headers =
    [
        "X-Sentry-Rate-Limit-Limit", "X-Sentry-Rate-Limit-Remaining", "X-Sentry-Rate-Limit-Reset",
        "X-Sentry-Rate-Limit-ConcurrentLimit", "X-Sentry-Rate-Limit-ConcurrentRemaining",
    ];

    [Fact]
    public async Task Every_answer_carries_the_rate_limit_headers()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));
        await using var stand = await Stand.StartAsync(zoneOptions: new LocalKeycardZoneOptions { TimeProvider = time });
        var token = await stand.TokenAsync("alice", "org:read");

        using var ok = await stand.SendAsync("GET", "/api/0/organizations/acme/", token);
        using var second = await stand.SendAsync("GET", "/api/0/organizations/acme/", token);
        using var forbidden = await stand.SendAsync("GET", "/api/0/organizations/acme/members/", token);
        using var unauthorized = await stand.SendAsync("GET", "/api/0/organizations/acme/", "nope");
        using var notFound = await stand.SendAsync("GET", "/api/0/nothing-here/", token);

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound],
            new[] { ok, second, forbidden, unauthorized, notFound }.Select(r => r.StatusCode));
        foreach (var response in new[] { ok, second, forbidden, unauthorized, notFound })
        {
            Assert.All(s_headers, h => Assert.True(response.Headers.Contains(h), $"{h} missing on {(int)response.StatusCode}"));
        }

        Assert.Equal(("40", "39", "25", "24"), Values(ok));
        Assert.Equal("38", Header(second, "X-Sentry-Rate-Limit-Remaining"));
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds() + 1, long.Parse(Header(ok, "X-Sentry-Rate-Limit-Reset"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_queued_429_with_Retry_After_is_answered_with_it_and_no_remaining_requests()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");
        stand.Sentry.EnqueueFault(SentryFault.RateLimitedRetryAfter(TimeSpan.FromSeconds(17)));

        using var limited = await stand.SendAsync("GET", "/api/0/organizations/acme/", token);
        using var after = await stand.SendAsync("GET", "/api/0/organizations/acme/", token);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(17), limited.Headers.RetryAfter!.Delta);
        Assert.Equal("0", Header(limited, "X-Sentry-Rate-Limit-Remaining"));
        Assert.True(limited.Headers.Contains("X-Sentry-Rate-Limit-Reset"));
        Assert.Contains(SentryFault.RateLimitedDetail, await limited.Content.ReadAsStringAsync(Stand.Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task A_429_without_Retry_After_says_when_in_X_Sentry_Rate_Limit_Reset()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");
        var reset = new DateTimeOffset(2030, 1, 1, 0, 0, 23, TimeSpan.Zero);
        stand.Sentry.FaultHook = r => r.Path.EndsWith("/acme/", StringComparison.Ordinal) ? SentryFault.RateLimitedUntil(reset) : null;

        using var limited = await stand.SendAsync("GET", "/api/0/organizations/acme/", token);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Null(limited.Headers.RetryAfter);
        Assert.Equal(reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), Header(limited, "X-Sentry-Rate-Limit-Reset"));
        Assert.Equal("0", Header(limited, "X-Sentry-Rate-Limit-Remaining"));
    }

    [Fact]
    public async Task An_enforced_limit_answers_429_past_the_limit_until_the_window_ends_on_the_zones_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));
        await using var stand = await Stand.StartAsync(
            new LocalSentryApiOptions { EnforceRateLimit = true, RateLimit = 2, RateLimitWindow = TimeSpan.FromSeconds(10) },
            new LocalKeycardZoneOptions { TimeProvider = time });
        var alice = await stand.TokenAsync("alice", "org:read");
        var bob = await stand.TokenAsync("bob", "org:read");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await stand.SendAsync("GET", "/api/0/organizations/acme/", alice);
            statuses.Add(response.StatusCode);
            if (i == 2)
            {
                Assert.Null(response.Headers.RetryAfter);
                Assert.Equal("0", Header(response, "X-Sentry-Rate-Limit-Remaining"));
                Assert.Equal(time.GetUtcNow().AddSeconds(10).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), Header(response, "X-Sentry-Rate-Limit-Reset"));
            }
        }

        using var otherUser = await stand.SendAsync("GET", "/api/0/organizations/acme/", bob);
        using var otherOperation = await stand.SendAsync("GET", "/api/0/organizations/acme/projects/", alice);
        time.Advance(TimeSpan.FromSeconds(10));
        using var nextWindow = await stand.SendAsync("GET", "/api/0/organizations/acme/", alice);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherOperation.StatusCode);
        Assert.Equal(HttpStatusCode.OK, nextWindow.StatusCode);
    }

    [Fact]
    public async Task Out_of_range_options_are_refused_at_start_naming_the_option()
    {
        await using var zone = await LocalKeycardZone.StartAsync();

        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => LocalSentryApi.StartAsync(zone, new LocalSentryApiOptions { PageSize = 0 }));
        Assert.Contains("LocalSentryApiOptions.PageSize", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => LocalSentryApi.StartAsync(zone, new LocalSentryApiOptions { RateLimitWindow = TimeSpan.Zero }));
        var missing = await Assert.ThrowsAsync<FileNotFoundException>(() => LocalSentryApi.StartAsync(zone, new LocalSentryApiOptions { SpecPath = "/nonexistent/openapi.json" }));
        Assert.Contains("LocalSentryApiOptions.SpecPath", missing.Message, StringComparison.Ordinal);
    }

    private static (string, string, string, string) Values(HttpResponseMessage response) =>
        (Header(response, "X-Sentry-Rate-Limit-Limit"), Header(response, "X-Sentry-Rate-Limit-Remaining"),
         Header(response, "X-Sentry-Rate-Limit-ConcurrentLimit"), Header(response, "X-Sentry-Rate-Limit-ConcurrentRemaining"));

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();
}
