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
    public async Task RefreshTimer_RenewsATokenInUseBeforeExpiry_AndLetsAnIdleOneLapse(bool refreshTokens)
    {
        // One clock for the zone (token lifetimes) and the silo (Orleans timers and the grain's arithmetic).
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions
        {
            TimeProvider = time,
            AccessTokenLifetime = TimeSpan.FromMinutes(10),
            IssueRefreshTokens = refreshTokens,
        });
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, time: time, configure: o =>
        {
            o.ExpirySkew = TimeSpan.FromMinutes(1);
            o.RefreshAhead = TimeSpan.FromMinutes(2);
            o.RefreshIfUsedWithin = TimeSpan.FromMinutes(5);
        }, clientOptions: o => o.NearCache = false);
        var provider = cluster.ClientProvider;
        var active = zone.MintSubjectToken("active", TimeSpan.FromHours(2));
        var idle = zone.MintSubjectToken("idle", TimeSpan.FromHours(2));
        var first = await provider.GetTokenAsync(KeycardWiring.Request(active), Ct);
        var idleFirst = await provider.GetTokenAsync(KeycardWiring.Request(idle), Ct);

        // Served until 9 min, refreshed from 7 min on. At 4 min the active user asks again (cache hit).
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(active), Ct)).Fingerprint);
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(active), Ct)).Fingerprint);

        var gate = zone.HoldTokenRequests();
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await gate.WhenArrivedAsync(1, Ct).WaitAsync(Bound, Ct);
        zone.StopHolding();

        // The call queues behind the timer's turn, then gets the renewed token although the old one is still valid.
        var renewed = await provider.GetTokenAsync(KeycardWiring.Request(active), Ct);
        Assert.NotEqual(first.Fingerprint, renewed.Fingerprint);
        Assert.True(renewed.ExpiresAt > first.ExpiresAt);
        Assert.True(first.ExpiresAt > time.GetUtcNow(), "the old token had not expired yet: the renewal happened ahead of expiry");
        if (refreshTokens)
        {
            Assert.Equal(1, zone.ExchangeCount("active"));
        }
        else
        {
            Assert.Equal(0, zone.TotalRefreshes);
            Assert.Equal(2, zone.ExchangeCount("active"));
        }

        // The idle user's token (last asked for 7 min ago) was not renewed. A stale-fingerprint invalidation is a no-op
        // call that queues behind the idle grain's timer turn, so its decision is made before we count.
        await provider.InvalidateAsync(KeycardWiring.Request(idle), "0000000000000000", Ct);
        Assert.Equal(1, zone.ExchangeCount("idle"));
        Assert.Equal(refreshTokens ? 1 : 0, zone.TotalRefreshes);
        Assert.Equal(idleFirst.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(idle), Ct)).Fingerprint);
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
        builder.ConfigureClientHost(host => host.Services.UseOrleansTokenCache());
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
