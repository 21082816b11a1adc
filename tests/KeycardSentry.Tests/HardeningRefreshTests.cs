using KeycardSentry.Internal;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary>
/// Issue 7, items 1 and 2, in the in-process cache: short lifetimes (at or below <c>ExpirySkew + RefreshAhead</c>) never
/// make the cache ask Keycard by itself, steady callers cause at most one refresh per token, and absurdly long lifetimes
/// are clamped to <c>Keycard:MaxTokenLifetime</c>. Every token request the zone sees is counted; time is a fake clock.
/// </summary>
public sealed class HardeningRefreshTests
{
    private const string Resource = TestApp.Resource;

    private static readonly DateTimeOffset Start = new(2026, 8, 1, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(60)]
    [InlineData(179)]
    [InlineData(181)]
    public async Task One_call_then_ten_idle_minutes_costs_one_token_request_whatever_the_lifetime(int lifetime)
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(Zone(time, lifetime));
        await using var app = await TestApp.StartAsync(zone, time: time);
        var request = new KeycardTokenRequest(zone.MintSubjectToken("alice", TimeSpan.FromHours(2)), Resource);

        await CallAsync(app, request, lifetime);
        for (var second = 0; second < 600; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"expires_in {lifetime}: {zone.Requests.Count} token request(s) after one call and 10 idle minutes");
        Assert.Single(zone.Requests);

        // The next call is served or exchanges once; it never finds a backlog of work to do.
        await CallAsync(app, request, lifetime);
        Assert.Equal(2, zone.Requests.Count);
    }

    /// <summary>
    /// A call every 5 s for 10 minutes. Expected token requests (121 calls): a token that cannot be served (-1: refused,
    /// 0 s, 1 s) costs at most one request per call, failures back off (1, 2, 4 … s: 10 attempts); a 60 s token is served
    /// 30 s and refreshed once, 15 s after it arrived (41); 179 s: served 119 s, refreshed at 59.5 s (11); 181 s: at 60.5 s (10).
    /// </summary>
    [Theory]
    [InlineData(-1, 10)]
    [InlineData(0, 121)]
    [InlineData(1, 121)]
    [InlineData(60, 41)]
    [InlineData(179, 11)]
    [InlineData(181, 10)]
    public async Task Steady_calls_for_ten_minutes_refresh_each_token_at_most_once(int lifetime, int expectedRequests)
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(Zone(time, lifetime));
        await using var app = await TestApp.StartAsync(zone, time: time);
        var request = new KeycardTokenRequest(zone.MintSubjectToken("alice", TimeSpan.FromHours(2)), Resource);
        var policy = TokenPolicy.From(new KeycardOptions());
        var served = new HashSet<string>(StringComparer.Ordinal);

        for (var elapsed = 0; elapsed <= 600; elapsed += 5)
        {
            if (await CallAsync(app, request, lifetime) is { } token)
            {
                // A token served is never past its expiry, and once a refresh started, it lands before the clock moves on.
                Assert.True(lifetime == 0 || token.ExpiresAt > time.GetUtcNow(), $"an expired token was served at {elapsed} s");
                var settled = await SettleAsync(() => app.Tokens.GetTokenAsync(request, Ct).AsTask(), token, policy, lifetime, time);
                served.Add(settled.Fingerprint);
            }

            time.Advance(TimeSpan.FromSeconds(5));
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"expires_in {lifetime}: 121 calls in 10 minutes, {zone.Requests.Count} token requests, {zone.TotalExchanges} exchanges, {served.Count} tokens served");
        Assert.Equal(expectedRequests, zone.Requests.Count);
        Assert.True(lifetime < 0 || zone.TotalExchanges <= served.Count, "every exchanged token was served: none was fetched for nobody");
    }

    [Fact]
    public async Task A_refresh_that_keeps_failing_backs_off_exponentially_while_the_valid_token_is_served()
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(Zone(time, 600));
        await using var app = await TestApp.StartAsync(zone, time: time, services: SteppedExchangeClient.Install);
        var stepped = app.Services.GetRequiredService<SteppedExchangeClient>();
        var request = new KeycardTokenRequest(zone.MintSubjectToken("alice", TimeSpan.FromHours(2)), Resource);
        var first = await app.Tokens.GetTokenAsync(request, Ct);

        // Served until 9 min, refreshed from 7 min. From then on the zone answers 503 to everything; a call every second
        // until 8:59 keeps getting the valid token. Each failed refresh is handed to the cache at the second it was
        // started, before the clock moves on; the next attempt waits 1, 2, 4 ... s.
        zone.FaultHook = _ => FaultResponse.Html(503);
        stepped.Holding = true;
        time.Advance(TimeSpan.FromMinutes(7));
        var attemptedAt = new List<int>();
        for (var second = 0; second < 120; second++)
        {
            Assert.Equal(first.Fingerprint, (await app.Tokens.GetTokenAsync(request, Ct)).Fingerprint);
            if (second is 0 or 1 or 3 or 7 or 15 or 31 or 63)
            {
                var step = await stepped.NextAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
                Assert.True(step.Failed);
                step.Release();
                attemptedAt.Add(second);
            }

            time.Advance(TimeSpan.FromSeconds(1));
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"120 calls while every refresh failed: attempts at +{string.Join(", +", attemptedAt)} s");
        Assert.Equal(0, stepped.Waiting); // no attempt at any other second
        Assert.Equal(1 + 7, zone.Requests.Count);
    }

    [Theory]
    [InlineData(60 * 24 * 3600.0)]
    [InlineData(1e9)]
    public async Task A_lifetime_of_60_days_or_1e9_seconds_is_clamped_to_24_hours_served_and_refreshed_ahead(double seconds)
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, AccessTokenLifetime = TimeSpan.FromSeconds(seconds) });
        await using var app = await TestApp.StartAsync(zone, time: time);
        var request = new KeycardTokenRequest(zone.MintSubjectToken("alice", TimeSpan.FromDays(3)), Resource);

        var first = await app.Tokens.GetTokenAsync(request, Ct);
        Assert.Equal(Start + TimeSpan.FromHours(24), first.ExpiresAt);
        Assert.Equal(first.Fingerprint, (await app.Tokens.GetTokenAsync(request, Ct)).Fingerprint);

        // Served until 24 h - 60 s, refreshed from 24 h - 3 min: a call just after that starts one refresh.
        time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(1));
        Assert.Equal(first.Fingerprint, (await app.Tokens.GetTokenAsync(request, Ct)).Fingerprint);
        var renewed = await SettleAsync(() => app.Tokens.GetTokenAsync(request, Ct).AsTask(), first, TokenPolicy.From(new KeycardOptions()), 86_400, time);

        Assert.Equal(time.GetUtcNow() + TimeSpan.FromHours(24), renewed.ExpiresAt);
        Assert.Equal(2, zone.TotalExchanges);
        Assert.Equal(2, zone.Requests.Count);
    }

    /// <summary>A zone whose tokens live <paramref name="lifetime"/> seconds (-1: the zone answers <c>expires_in: -1</c>, which is refused).</summary>
    private static LocalKeycardZoneOptions Zone(TimeProvider time, int lifetime) =>
        new() { TimeProvider = time, AccessTokenLifetime = TimeSpan.FromSeconds(lifetime), SubjectTokenLifetime = TimeSpan.FromHours(2) };

    /// <summary>
    /// Asks again until the answer is a token that is not due for a refresh (one a call started has landed), bounded.
    /// Tokens that are never refreshed ahead (served for 5 s or less) settle at once.
    /// </summary>
    internal static async Task<KeycardToken> SettleAsync(Func<Task<KeycardToken>> ask, KeycardToken token, TokenPolicy policy, int lifetime, TimeProvider time)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (time.GetUtcNow() >= RefreshPoint(token, policy, lifetime))
        {
            await Task.Delay(10, deadline.Token);
            token = await ask();
        }

        return token;
    }

    /// <summary>When the cache starts refreshing <paramref name="token"/>, from its expiry and the lifetime the zone gave it (the clock stands still while it arrives).</summary>
    internal static DateTimeOffset RefreshPoint(KeycardToken token, TokenPolicy policy, int lifetime)
    {
        var receivedAt = token.ExpiresAt - TimeSpan.FromSeconds(lifetime);
        return policy.RefreshAt(receivedAt, policy.ServableUntil(receivedAt, token.ExpiresAt, opaqueBinding: false));
    }

    private static async Task<KeycardToken?> CallAsync(TestApp app, KeycardTokenRequest request, int lifetime)
    {
        if (lifetime >= 0)
        {
            return await app.Tokens.GetTokenAsync(request, Ct);
        }

        var refused = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Tokens.GetTokenAsync(request, Ct).AsTask());
        Assert.Equal("invalid_response", refused.Error);
        return null;
    }
}
