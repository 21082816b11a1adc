using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace KeycardSentry.Orleans.Tests;

/// <summary>Refresh ahead of expiry on a fake clock, failover when a silo stops, and a silo without a zone.</summary>
public sealed class GrainRefreshAndFailoverTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RefreshAhead_ACallAtTheRefreshPointRenewsInTheBackground_WhileTheValidTokenIsServed_AndAnIdleUserCostsNothing(bool refreshTokens)
    {
        // One clock for the zone (token lifetimes) and the silo (the grain's arithmetic).
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions
        {
            TimeProvider = time,
            AccessTokenLifetime = TimeSpan.FromMinutes(10),
            IssueRefreshTokens = refreshTokens,
        });
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, time: time, keycard: o =>
        {
            o.ExpirySkew = TimeSpan.FromMinutes(1);
            o.RefreshAhead = TimeSpan.FromMinutes(2);
        }, clientOptions: o => o.NearCache = false);
        var provider = cluster.ClientProvider;
        var active = zone.MintSubjectToken("active", TimeSpan.FromHours(2));
        var idle = zone.MintSubjectToken("idle", TimeSpan.FromHours(2));
        var first = await provider.GetTokenAsync(KeycardWiring.Request(active), Ct);
        var idleFirst = await provider.GetTokenAsync(KeycardWiring.Request(idle), Ct);

        // Served until 9 min, refreshed from 7 min on. At 4 and at 6 min the active user asks again: plain cache hits.
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(active), Ct)).Fingerprint);
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(active), Ct)).Fingerprint);
        Assert.Equal(1, zone.ExchangeCount("active"));

        // Past 7 min: the call starts the refresh and is answered at once with the still-valid token, while Keycard holds
        // the refresh; a second call meanwhile starts no second refresh.
        var gate = zone.HoldTokenRequests();
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(active), Ct)).Fingerprint);
        await gate.WhenArrivedAsync(1, Ct).WaitAsync(Bound, Ct);
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(active), Ct)).Fingerprint);
        zone.StopHolding();

        var renewed = await Eventually.ReturnsAsync(() => provider.GetTokenAsync(KeycardWiring.Request(active), Ct).AsTask(), t => t.Fingerprint != first.Fingerprint, Ct);
        Assert.True(renewed.ExpiresAt > first.ExpiresAt);
        Assert.True(first.ExpiresAt > time.GetUtcNow(), "the old token had not expired yet: the renewal happened ahead of expiry");
        if (refreshTokens)
        {
            Assert.Equal(1, zone.ExchangeCount("active"));
            Assert.Equal(1, zone.TotalRefreshes);
        }
        else
        {
            Assert.Equal(0, zone.TotalRefreshes);
            Assert.Equal(2, zone.ExchangeCount("active"));
        }

        // The idle user's token was not renewed (nobody asked), and a grain holds no timer that would ever do it: half an
        // hour later Keycard has seen nothing more for that user until it asks again, then exactly one request.
        var refreshesBefore = zone.TotalRefreshes;
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(1, zone.ExchangeCount("idle"));
        Assert.Equal(refreshesBefore, zone.TotalRefreshes);
        Assert.NotEqual(idleFirst.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(idle), Ct)).Fingerprint);
        Assert.Equal(2, zone.ExchangeCount("idle") + zone.TotalRefreshes - refreshesBefore);
    }

    [Fact]
    public async Task SiloStoppedMidLoad_EveryCallerSucceeds_AtMostOneExtraExchangePerUser()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        // Near cache off: every call must reach a grain, some of them on the silo that stops.
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 3, clientOptions: o => o.NearCache = false);
        var users = Enumerable.Range(0, 30).ToDictionary(i => $"user{i}", i => zone.MintSubjectToken($"user{i}"));
        var provider = cluster.ClientProvider;
        await Task.WhenAll(users.Values.Select(s => provider.GetTokenAsync(KeycardWiring.Request(s), Ct).AsTask()));
        Assert.Equal(30, zone.TotalExchanges);

        var victim = cluster.Cluster.Silos[1];
        var load = users.Values.SelectMany(s => Enumerable.Range(0, 5).Select(_ => GetWithRetryAsync(provider, s))).ToList();
        var stop = cluster.Cluster.StopSiloAsync(victim, Ct);
        load.AddRange(users.Values.SelectMany(s => Enumerable.Range(0, 5).Select(_ => GetWithRetryAsync(provider, s))));
        await stop;
        var results = await Task.WhenAll(load);
        var after = await Task.WhenAll(users.Values.Select(s => provider.GetTokenAsync(KeycardWiring.Request(s), Ct).AsTask()));

        Assert.All(results, r => Assert.NotNull(r));
        Assert.Equal(30, after.Length);
        Assert.All(users.Keys, u => Assert.InRange(zone.ExchangeCount(u), 1, 2));
        TestContext.Current.TestOutputHelper?.WriteLine($"exchanges after stopping one of 3 silos: {zone.TotalExchanges} for 30 users");
    }

    [Fact]
    public async Task SiloWithoutZone_TokenCallsFailSayingSo()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddKeycardTokenGrains(new ConfigurationBuilder().Build().GetSection("Keycard")));
        builder.ConfigureClientHost(host => host.Services.AddKeycardOrleansTokenCache());
        await using var cluster = builder.Build();
        await cluster.DeployAsync(Ct);

        var provider = cluster.Client.ServiceProvider.GetRequiredService<IKeycardTokenProvider>();
        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(async () => await provider.GetTokenAsync(KeycardWiring.Request("opaque-token"), Ct));
        Assert.Equal("zone_not_configured", ex.Error);
        Assert.Contains("no Keycard zone configured", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Keycard__ZoneUrl", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<KeycardToken> GetWithRetryAsync(IKeycardTokenProvider provider, string subject)
    {
        // A call in flight on the stopping silo may be rejected once; the caller's retry reaches the reactivated grain.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);
            }
            catch (Exception ex) when (ex is not KeycardExchangeException and not KeycardSubjectException && attempt < 3)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"retrying after {ex.GetType().Name}");
            }
        }
    }
}
