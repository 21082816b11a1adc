using System.Diagnostics.Metrics;
using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// The client-side near cache of <see cref="OrleansKeycardTokenProvider"/>: grain calls saved, and every security rule
/// kept (exact subject-token bytes, subject expiry, token expiry - skew, invalidation by fingerprint, bounded size).
/// Grain calls are counted by an incoming grain call filter in every silo; clocks are fake, nothing sleeps.
/// </summary>
public sealed class NearCacheTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>How long a copy of a grant that is due for refresh is kept near (the runtime's refresh floor, 5 s).</summary>
    private static readonly TimeSpan TokenPolicyFloor = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ManyCallsForOneUserFromOneClient_OneGrainCall_OneExchange()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 2, clientTime: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var meters = cluster.Cluster.Client.ServiceProvider.GetRequiredService<IMeterFactory>();
        using var hits = new MetricCollector<long>(meters, "KeycardSentry.Orleans", "keycard.near_cache.hits");
        using var misses = new MetricCollector<long>(meters, "KeycardSentry.Orleans", "keycard.near_cache.misses");
        var subject = zone.MintSubjectToken("alice");
        var provider = cluster.ClientProvider;

        var first = await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);
        var sequential = new List<KeycardToken>();
        for (var i = 0; i < 99; i++)
        {
            sequential.Add(await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct));
        }

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => provider.GetTokenAsync(KeycardWiring.Request(subject), Ct).AsTask()));

        Assert.Equal(1, cluster.GrainCalls.GetToken);
        Assert.Equal(1, zone.ExchangeCount("alice"));
        Assert.All(sequential.Concat(concurrent), t => Assert.Equal(first.Fingerprint, t.Fingerprint));
        Assert.Equal(199, hits.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1, misses.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.True((((OrleansKeycardTokenProvider)provider).NearCache is not null));
    }

    [Fact]
    public async Task ForgedJwtWithVictimsSub_GetsNothing_WhileVictimsGrantIsNearCached()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 2, clientTime: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var provider = cluster.ClientProvider;
        var victimSubject = zone.MintSubjectToken("victim");
        var victim = await provider.GetTokenAsync(KeycardWiring.Request(victimSubject), Ct);
        Assert.Equal(victim.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(victimSubject), Ct)).Fingerprint);
        Assert.Equal(1, cluster.GrainCalls.GetToken);

        // Same iss, sub and kid, other signature: other bytes, so no near entry; the grain refuses it.
        var forged = zone.MintForgedSubjectToken("victim");
        // The silo's gateway refuses it before it reaches the victim's grain.
        var ex = await Assert.ThrowsAsync<KeycardSubjectException>(async () => await provider.GetTokenAsync(KeycardWiring.Request(forged), Ct));
        Assert.DoesNotContain(victim.AccessToken, ex.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, cluster.GrainCalls.GetToken);

        // The victim's token with its signature cut off: also other bytes, also refused before any user grain.
        var truncated = victimSubject[..victimSubject.LastIndexOf('.')] + ".";
        await Assert.ThrowsAsync<KeycardSubjectException>(async () => await provider.GetTokenAsync(KeycardWiring.Request(truncated), Ct));
        Assert.Equal(1, cluster.GrainCalls.GetToken);

        // Another user's genuine token gets that user's own token, never the victim's.
        var mallory = await provider.GetTokenAsync(KeycardWiring.Request(zone.MintSubjectToken("mallory")), Ct);
        Assert.NotEqual(victim.Fingerprint, mallory.Fingerprint);
        Assert.True(zone.TryResolveAccessToken(mallory.AccessToken, out var issued));
        Assert.Equal("mallory", issued.User);

        Assert.Equal(1, zone.ExchangeCount("victim"));
        Assert.Equal(victim.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(victimSubject), Ct)).Fingerprint);
        Assert.Equal(2, cluster.GrainCalls.GetToken);
    }

    [Fact]
    public async Task ExpiredSubjectToken_NeverServedFromTheNearCache()
    {
        // One clock for the zone (token lifetimes), the silo (the grain's validator) and the client (the near cache).
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, time: time, clientTime: time, clientOptions: o => o.NearCacheMaxAge = TimeSpan.FromHours(1));
        var provider = cluster.ClientProvider;
        var subject = zone.MintSubjectToken("erin", TimeSpan.FromMinutes(5));
        var first = await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);

        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct)).Fingerprint);
        Assert.Equal(1, cluster.GrainCalls.GetToken);

        // Past exp: the near cache (no clock-skew allowance) sends the call to the grain, whose validator still accepts
        // it within its 30 s clock skew; the answer is not kept, since the subject token has expired.
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct)).Fingerprint);
        Assert.Equal(2, cluster.GrainCalls.GetToken);
        Assert.Equal(3, await CountGrainCallsAsync(cluster, provider, subject));

        // Past exp + clock skew: the silo refuses it (at its gateway, before the user's grain), and nothing on the client
        // hands the token out.
        time.Advance(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<KeycardSubjectException>(async () => await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct));
        Assert.Equal(3, cluster.GrainCalls.GetToken);
        Assert.Equal(1, zone.ExchangeCount("erin"));
    }

    [Fact]
    public async Task FromTheRefreshPoint_TheNearCopyIsServedWhileOneBackgroundAskLetsTheGrainRefreshAhead()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions
        {
            TimeProvider = time,
            AccessTokenLifetime = TimeSpan.FromMinutes(10),
            IssueRefreshTokens = true,
        });
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, time: time, clientTime: time, keycard: o =>
        {
            o.ExpirySkew = TimeSpan.FromMinutes(1);
            o.RefreshAhead = TimeSpan.FromMinutes(2);
        }, clientOptions: o => o.NearCacheMaxAge = TimeSpan.FromHours(1));
        var provider = cluster.ClientProvider;
        var subject = zone.MintSubjectToken("frank", TimeSpan.FromHours(2));
        var first = await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);

        // Served until 9 min, refreshed from 7 min: until then the near cache answers alone.
        time.Advance(TimeSpan.FromMinutes(7) - TimeSpan.FromSeconds(1));
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct)).Fingerprint);
        Assert.Equal(1, cluster.GrainCalls.GetToken);

        // At the refresh point the caller gets the near copy at once, and one ask in the background lets the grain start
        // the refresh (Keycard holds it here): nobody waits for the grain, let alone for Keycard.
        var gate = zone.HoldTokenRequests();
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct)).Fingerprint);
        await gate.WhenArrivedAsync(1, Ct).WaitAsync(Bound, Ct);
        Assert.Equal(2, cluster.GrainCalls.GetToken);

        // More calls in the same second: copies, no second background ask.
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct)).Fingerprint);
        Assert.Equal(2, cluster.GrainCalls.GetToken);
        zone.StopHolding();

        // The refresh lands in the grain in the background.
        var grain = cluster.Cluster.Client.GetGrain<IUserTokenGrain>(GrainKeys.ForSubjectToken(subject));
        var landed = await Eventually.ReturnsAsync(() => grain.GetTokenAsync(GrainKeys.Request(subject)), g => g.Fingerprint != first.Fingerprint, Ct);

        // The grain answered the background ask with the still-valid token, to be asked again a second later; the
        // next ask then brings the renewed token into the near cache, while callers keep getting the old one meanwhile.
        time.Advance(TokenPolicyFloor);
        var renewed = await Eventually.ReturnsAsync(
            async () => await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct),
            t => t.Fingerprint != first.Fingerprint,
            Ct);
        Assert.Equal(landed.Fingerprint, renewed.Fingerprint);
        Assert.True(renewed.ExpiresAt > first.ExpiresAt);
        Assert.Equal(1, zone.ExchangeCount("frank"));
        Assert.Equal(1, zone.TotalRefreshes);

        // And keeps it near.
        var calls = cluster.GrainCalls.GetToken;
        Assert.Equal(renewed.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct)).Fingerprint);
        Assert.Equal(calls, cluster.GrainCalls.GetToken);
    }

    [Fact]
    public async Task InvalidateByFingerprint_ClearsNearEntry_OneReExchange_StaleFingerprintChangesNothing()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 2, clientTime: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var provider = cluster.ClientProvider;
        var subject = zone.MintSubjectToken("bob");
        var first = await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);

        // 30 callers saw a 401 with the same token: each invalidates it and asks again.
        var fresh = await Task.WhenAll(Enumerable.Range(0, 30).Select(async _ =>
        {
            await provider.InvalidateAsync(KeycardWiring.Request(subject), first.Fingerprint, Ct);
            return await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);
        }));

        Assert.Equal(2, zone.ExchangeCount("bob"));
        Assert.Single(fresh.Select(t => t.Fingerprint).Distinct());
        Assert.NotEqual(first.Fingerprint, fresh[0].Fingerprint);
        Assert.Equal(30, cluster.GrainCalls.Invalidate);

        // The new token is near-cached: no grain call.
        var getCalls = cluster.GrainCalls.GetToken;
        Assert.Equal(fresh[0].Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct)).Fingerprint);
        Assert.Equal(getCalls, cluster.GrainCalls.GetToken);

        // A late caller with the old fingerprint: the grain is told (and ignores it), the near entry stays.
        await provider.InvalidateAsync(KeycardWiring.Request(subject), first.Fingerprint, Ct);
        Assert.Equal(31, cluster.GrainCalls.Invalidate);
        Assert.Equal(fresh[0].Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct)).Fingerprint);
        Assert.Equal(getCalls, cluster.GrainCalls.GetToken);
        Assert.Equal(2, zone.ExchangeCount("bob"));

        // The invalidation of the current token, by one caller: one more exchange, and the next call is near again.
        await provider.InvalidateAsync(KeycardWiring.Request(subject), fresh[0].Fingerprint, Ct);
        var third = await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);
        Assert.NotEqual(fresh[0].Fingerprint, third.Fingerprint);
        Assert.Equal(3, zone.ExchangeCount("bob"));
        Assert.Equal(getCalls + 1, cluster.GrainCalls.GetToken);
    }

    [Fact]
    public async Task NearCacheOff_EveryCallReachesTheGrain()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, clientOptions: o => o.NearCache = false);
        var provider = cluster.ClientProvider;
        var subject = zone.MintSubjectToken("gina");

        for (var i = 0; i < 10; i++)
        {
            await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);
        }

        Assert.False((((OrleansKeycardTokenProvider)provider).NearCache is not null));
        Assert.Equal(10, cluster.GrainCalls.GetToken);
        Assert.Equal(1, zone.ExchangeCount("gina"));
    }

    [Fact]
    public async Task SizeBound_Holds_AndEvictedEntriesComeBackFromTheGrainWithoutExchange()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, clientTime: new FakeTimeProvider(DateTimeOffset.UtcNow), clientOptions: o => o.NearCacheSize = 10);
        var provider = (OrleansKeycardTokenProvider)cluster.ClientProvider;
        var subjects = Enumerable.Range(0, 25).Select(i => zone.MintSubjectToken($"size{i}")).ToArray();

        foreach (var subject in subjects)
        {
            await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);
            Assert.InRange(provider.NearCache!.Count, 1, 10);
        }

        // The newest is still near; the oldest was evicted and asks its grain again, which still has the token.
        await provider.GetTokenAsync(KeycardWiring.Request(subjects[^1]), Ct);
        Assert.Equal(25, cluster.GrainCalls.GetToken);
        await provider.GetTokenAsync(KeycardWiring.Request(subjects[0]), Ct);
        Assert.Equal(26, cluster.GrainCalls.GetToken);
        Assert.Equal(25, zone.TotalExchanges);
        Assert.InRange(provider.NearCache!.Count, 1, 10);
    }

    [Fact]
    public async Task OpaqueSubjectToken_NearCachedUpToMaxAge_AndGrantCarriesSubjectExpiry()
    {
        var clientTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, clientTime: clientTime, clientOptions: o => o.NearCacheMaxAge = TimeSpan.FromMinutes(1));
        var provider = cluster.ClientProvider;
        var opaque = zone.MintOpaqueSubjectToken("olga");
        var jwt = zone.MintSubjectToken("olga", TimeSpan.FromMinutes(30));

        // What the grain sends: the validated subject token's exp for a JWT, nothing for an opaque token.
        var jwtGrant = await cluster.Cluster.Client.GetGrain<IUserTokenGrain>(GrainKeys.ForSubjectToken(jwt)).GetTokenAsync(GrainKeys.Request(jwt));
        var opaqueGrant = await cluster.Cluster.Client.GetGrain<IUserTokenGrain>(GrainKeys.ForSubjectToken(opaque)).GetTokenAsync(GrainKeys.Request(opaque));
        Assert.NotNull(jwtGrant.SubjectExpiresAt);
        Assert.InRange(jwtGrant.SubjectExpiresAt!.Value, zone.Now.AddMinutes(29), zone.Now.AddMinutes(30));
        Assert.Null(opaqueGrant.SubjectExpiresAt);
        var calls = cluster.GrainCalls.GetToken;

        var first = await provider.GetTokenAsync(KeycardWiring.Request(opaque), Ct);
        clientTime.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(opaque), Ct)).Fingerprint);
        Assert.Equal(calls + 1, cluster.GrainCalls.GetToken);
        clientTime.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(opaque), Ct)).Fingerprint);
        Assert.Equal(calls + 2, cluster.GrainCalls.GetToken);

        // Another opaque token of the same user has other bytes: its own grain, never this entry.
        var other = await provider.GetTokenAsync(KeycardWiring.Request(zone.MintOpaqueSubjectToken("olga")), Ct);
        Assert.NotEqual(first.Fingerprint, other.Fingerprint);
    }

    [Fact]
    public void Options_BoundFromTheAppsKeycardSection_ThenCode_AndValidatedNamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Keycard:NearCache"] = "false",
            ["Keycard:NearCacheSize"] = "123",
            ["Keycard:NearCacheMaxAge"] = "00:02:00",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddKeycardOrleansTokenCache(o => o.NearCacheSize = 456);
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<KeycardOrleansClientOptions>>().Value;
        Assert.False(options.NearCache);
        Assert.Equal(456, options.NearCacheSize);
        Assert.Equal(TimeSpan.FromMinutes(2), options.NearCacheMaxAge);

        var defaults = new KeycardOrleansClientOptions();
        Assert.True(defaults.NearCache);
        Assert.Equal(10_000, defaults.NearCacheSize);
        Assert.Equal(TimeSpan.FromMinutes(5), defaults.NearCacheMaxAge);

        var bad = new ServiceCollection().AddKeycardOrleansTokenCache(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["NearCacheSize"] = "-1",
        }).Build());
        using var badProvider = bad.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => badProvider.GetRequiredService<IOptions<KeycardOrleansClientOptions>>().Value);
        Assert.Contains("Keycard:NearCacheSize", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<int> CountGrainCallsAsync(TokenCluster cluster, IKeycardTokenProvider provider, string subject)
    {
        // One more call with the same (expired) subject token: it must reach the grain again, nothing was kept.
        await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);
        return cluster.GrainCalls.GetToken;
    }
}
