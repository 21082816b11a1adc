using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace KeycardSentry.Tests;

public sealed class TokenProviderTests
{
    private const string Resource = TestApp.Resource;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_hundred_concurrent_calls_for_one_key_share_one_exchange()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        var subject = zone.MintSubjectToken("alice");
        await app.Validator.ValidateAsync(subject, Ct);
        var meterFactory = app.Services.GetRequiredService<IMeterFactory>();
        using var misses = new MetricCollector<long>(meterFactory, KeycardDiagnostics.Name, KeycardDiagnostics.CacheMisses);
        var gate = zone.HoldTokenRequests();

        var calls = Enumerable.Range(0, 200)
            .Select(_ => Task.Run(async () => await app.Tokens.GetTokenAsync(new KeycardTokenRequest(subject, Resource), Ct), Ct))
            .ToArray();
        await misses.WaitForMeasurementsAsync(200, TimeSpan.FromSeconds(30)); // every caller is in, none served yet
        await gate.WhenArrivedAsync(1, Ct);
        Assert.Equal(1, gate.Arrived);
        gate.Release();
        var tokens = await Task.WhenAll(calls);

        Assert.Equal(1, zone.ExchangeCount("alice"));
        Assert.Single(tokens.Select(t => t.AccessToken).Distinct());
        Assert.Single(zone.Requests);
    }

    [Fact]
    public async Task Different_scope_sets_get_separate_exchanges_and_equal_sets_in_any_order_share_one()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        var subject = zone.MintSubjectToken("alice");

        var orgRead = await app.Tokens.GetTokenAsync(new KeycardTokenRequest(subject, Resource, ["org:read"]), Ct);
        var both = await app.Tokens.GetTokenAsync(new KeycardTokenRequest(subject, Resource, ["org:read", "event:read"]), Ct);
        var bothAgain = await app.Tokens.GetTokenAsync(new KeycardTokenRequest(subject, Resource, ["event:read", "org:read", "org:read"]), Ct);

        Assert.NotEqual(orgRead.AccessToken, both.AccessToken);
        Assert.Equal(both.AccessToken, bothAgain.AccessToken);
        Assert.Equal(2, zone.ExchangeCount("alice"));
    }

    [Fact]
    public async Task A_token_is_served_until_expiry_minus_skew_then_exchanged_again()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, AccessTokenLifetime = TimeSpan.FromMinutes(10), SubjectTokenLifetime = TimeSpan.FromHours(2) });
        await using var app = await TestApp.StartAsync(zone, keycard: o => (o.ExpirySkew, o.RefreshAhead) = (TimeSpan.FromSeconds(60), TimeSpan.Zero), time: time);
        var subject = zone.MintSubjectToken("alice");
        var request = new KeycardTokenRequest(subject, Resource);

        // Refresh ahead off: the token is served, untouched, until expires_at - skew.
        var first = await app.Tokens.GetTokenAsync(request, Ct);
        time.Advance(TimeSpan.FromMinutes(9) - TimeSpan.FromSeconds(1));
        Assert.Equal(first.AccessToken, (await app.Tokens.GetTokenAsync(request, Ct)).AccessToken);
        Assert.Equal(1, zone.ExchangeCount("alice"));

        time.Advance(TimeSpan.FromSeconds(1)); // now = expires_at - skew
        var second = await app.Tokens.GetTokenAsync(request, Ct);

        Assert.NotEqual(first.AccessToken, second.AccessToken);
        Assert.Equal(2, zone.ExchangeCount("alice"));
    }

    [Fact]
    public async Task An_expired_token_with_a_refresh_token_is_refreshed_instead_of_exchanged()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, IssueRefreshTokens = true, SubjectTokenLifetime = TimeSpan.FromHours(3) });
        await using var app = await TestApp.StartAsync(zone, time: time);
        var request = new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource);

        var first = await app.Tokens.GetTokenAsync(request, Ct);
        time.Advance(TimeSpan.FromHours(1));
        var second = await app.Tokens.GetTokenAsync(request, Ct);

        Assert.NotEqual(first.AccessToken, second.AccessToken);
        Assert.Equal(1, zone.ExchangeCount("alice"));
        Assert.Equal(1, zone.TotalRefreshes);
        Assert.Equal("refresh_token", zone.Requests[^1].GrantType);
    }

    [Fact]
    public async Task A_failed_refresh_falls_back_to_a_new_exchange()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, IssueRefreshTokens = true, SubjectTokenLifetime = TimeSpan.FromHours(3) });
        await using var app = await TestApp.StartAsync(zone, time: time);
        var request = new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource);

        await app.Tokens.GetTokenAsync(request, Ct);
        time.Advance(TimeSpan.FromHours(1));
        zone.EnqueueFault(FaultResponse.OAuthError("invalid_grant", "refresh token revoked"));
        var token = await app.Tokens.GetTokenAsync(request, Ct);

        Assert.Equal(2, zone.ExchangeCount("alice"));
        Assert.True(zone.TryResolveAccessToken(token.AccessToken, out _));
    }

    [Fact]
    public async Task A_failed_exchange_is_answered_from_memory_until_its_back_off_has_passed_then_retried()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone, time: time);
        var request = new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource);
        zone.EnqueueFault(FaultResponse.Html(503));

        var first = await Assert.ThrowsAsync<KeycardExchangeException>(async () => await app.Tokens.GetTokenAsync(request, Ct));
        var remembered = await Assert.ThrowsAsync<KeycardExchangeException>(async () => await app.Tokens.GetTokenAsync(request, Ct));
        Assert.Single(zone.Requests);
        Assert.Equal(first.Error, remembered.Error);
        Assert.True(remembered.IsRetryable);

        // Keycard:FailureBackoff (1 s) later, Keycard is asked again; nothing failed was cached.
        time.Advance(TimeSpan.FromSeconds(1));
        var token = await app.Tokens.GetTokenAsync(request, Ct);

        Assert.True(zone.TryResolveAccessToken(token.AccessToken, out _));
        Assert.Equal(2, zone.Requests.Count);
    }

    [Fact]
    public async Task Invalidate_removes_only_the_token_with_that_fingerprint()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        var request = new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource);

        var first = await app.Tokens.GetTokenAsync(request, Ct);
        await app.Tokens.InvalidateAsync(request, first.Fingerprint, Ct);
        var second = await app.Tokens.GetTokenAsync(request, Ct);
        await app.Tokens.InvalidateAsync(request, first.Fingerprint, Ct); // stale: a late 401 for the old token
        var third = await app.Tokens.GetTokenAsync(request, Ct);

        Assert.NotEqual(first.AccessToken, second.AccessToken);
        Assert.Equal(second.AccessToken, third.AccessToken);
        Assert.Equal(2, zone.ExchangeCount("alice"));
    }

    [Fact]
    public async Task The_cache_is_bounded()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.CacheSizeLimit = 20);
        for (var i = 0; i < 50; i++)
        {
            await app.Tokens.GetTokenAsync(new KeycardTokenRequest(zone.MintSubjectToken("user" + i), Resource), Ct);
        }

        var provider = Assert.IsType<KeycardSentry.Internal.InProcessKeycardTokenProvider>(app.Tokens);
        Assert.InRange(provider.Count, 1, 20);

        // The most recent user is still cached.
        await app.Tokens.GetTokenAsync(new KeycardTokenRequest(zone.MintSubjectToken("user49"), Resource), Ct);
        Assert.Equal(1, zone.ExchangeCount("user49"));
    }

    [Fact]
    public async Task Cache_hit_and_miss_counters_move()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        var meterFactory = app.Services.GetRequiredService<IMeterFactory>();
        using var hits = new MetricCollector<long>(meterFactory, KeycardDiagnostics.Name, KeycardDiagnostics.CacheHits);
        using var misses = new MetricCollector<long>(meterFactory, KeycardDiagnostics.Name, KeycardDiagnostics.CacheMisses);
        using var exchanges = new MetricCollector<long>(meterFactory, KeycardDiagnostics.Name, KeycardDiagnostics.Exchanges);
        using var errors = new MetricCollector<long>(meterFactory, KeycardDiagnostics.Name, KeycardDiagnostics.ExchangeErrors);
        using var duration = new MetricCollector<double>(meterFactory, KeycardDiagnostics.Name, KeycardDiagnostics.ExchangeDuration);
        var request = new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource);

        await app.Tokens.GetTokenAsync(request, Ct);
        await app.Tokens.GetTokenAsync(request, Ct);
        await app.Tokens.GetTokenAsync(request, Ct);
        zone.EnqueueFault(FaultResponse.OAuthError("invalid_target"));
        await Assert.ThrowsAsync<KeycardExchangeException>(async () => await app.Tokens.GetTokenAsync(new KeycardTokenRequest(request.SubjectToken, "https://other.example/api"), Ct));

        Assert.Equal(2, hits.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(2, misses.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1, exchanges.GetMeasurementSnapshot().EvaluateAsCounter());
        var error = Assert.Single(errors.GetMeasurementSnapshot());
        Assert.Equal("invalid_target", error.Tags["error"]);
        Assert.Equal(2, duration.GetMeasurementSnapshot().Count);
    }
}
