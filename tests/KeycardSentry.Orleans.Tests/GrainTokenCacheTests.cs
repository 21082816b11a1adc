using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;

namespace KeycardSentry.Orleans.Tests;

/// <summary>Exchange sharing, per-user binding and invalidation through real in-process clusters and a real local zone.</summary>
public sealed class GrainTokenCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FiveHundredConcurrentCallsForOneUserFromClientSilosAndGrains_OneExchange()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 3);
        var subject = zone.MintSubjectToken("alice");
        IKeycardTokenProvider[] providers = [cluster.ClientProvider, .. cluster.SiloProviders];

        // Hold the zone so every call is in flight before the first exchange can finish.
        var gate = zone.HoldTokenRequests();
        var calls = new List<Task<string>>();
        for (var i = 0; i < 500; i++)
        {
            // Every fifth call comes from an application grain inside a silo, the rest from the client and the silos' providers.
            calls.Add(i % 5 == 4
                ? cluster.Cluster.Client.GetGrain<ITokenCallerGrain>(i).GetFingerprintAsync(subject, KeycardWiring.Resource, ["org:read"])
                : GetFingerprintAsync(providers[i % providers.Length], subject));
        }

        await gate.WhenArrivedAsync(1, Ct);
        zone.StopHolding();
        var fingerprints = await Task.WhenAll(calls);

        Assert.Equal(1, zone.ExchangeCount("alice"));
        Assert.Equal(1, zone.TotalExchanges);
        Assert.Single(fingerprints.Distinct());
    }

    [Fact]
    public async Task HundredUsers_HundredExchanges_EachOwnToken()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 2);
        var users = Enumerable.Range(0, 100).Select(i => $"user{i}").ToArray();
        var subjects = users.ToDictionary(u => u, u => zone.MintSubjectToken(u));
        IKeycardTokenProvider[] providers = [cluster.ClientProvider, .. cluster.SiloProviders];

        var calls = users.SelectMany(u => Enumerable.Range(0, 3).Select(i => (User: u, Task: GetTokenAsync(providers[i % providers.Length], subjects[u])))).ToArray();
        await Task.WhenAll(calls.Select(c => c.Task));

        Assert.Equal(100, zone.TotalExchanges);
        Assert.All(users, u => Assert.Equal(1, zone.ExchangeCount(u)));
        foreach (var (user, task) in calls)
        {
            // Every token handed to a user is one the zone issued for that user.
            Assert.True(zone.TryResolveAccessToken((await task).AccessToken, out var issued));
            Assert.Equal(user, issued.User);
        }

        Assert.Equal(100, calls.Select(c => c.Task.Result.Fingerprint).Distinct().Count());
    }

    [Fact]
    public async Task ForgedJwtWithVictimsSub_GetsNothing_AndVictimsTokenStaysHidden()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 2);
        var victim = await cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(zone.MintSubjectToken("victim")), Ct);

        var forged = zone.MintForgedSubjectToken("victim");
        Assert.Equal(GrainKeys.ForSubjectToken(zone.MintSubjectToken("victim")), GrainKeys.ForSubjectToken(forged));
        var ex = await Assert.ThrowsAsync<KeycardSubjectException>(async () => await cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(forged), Ct));
        Assert.DoesNotContain(victim.AccessToken, ex.ToString(), StringComparison.Ordinal);
        await Assert.ThrowsAsync<KeycardSubjectException>(async () => await cluster.ClientProvider.InvalidateAsync(KeycardWiring.Request(forged), victim.Fingerprint, Ct));

        // Naming the victim's grain with the attacker's own valid token gets nothing either.
        var victimGrain = cluster.Cluster.Client.GetGrain<IUserTokenGrain>(GrainKeys.ForSubjectToken(forged));
        await Assert.ThrowsAsync<KeycardSubjectException>(() => victimGrain.GetTokenAsync(GrainKeys.Request(zone.MintSubjectToken("mallory"))));

        Assert.Equal(1, zone.ExchangeCount("victim"));
        Assert.Equal(0, zone.ExchangeCount("mallory"));
        var again = await cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(zone.MintSubjectToken("victim")), Ct);
        Assert.Equal(victim.Fingerprint, again.Fingerprint);
    }

    [Fact]
    public async Task OpaqueTokens_EachGetsItsOwnGrain()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 2);
        var first = zone.MintOpaqueSubjectToken("olga");
        var second = zone.MintOpaqueSubjectToken("olga");
        Assert.StartsWith(GrainKeys.OpaquePrefix, GrainKeys.ForSubjectToken(first), StringComparison.Ordinal);
        Assert.NotEqual(GrainKeys.ForSubjectToken(first), GrainKeys.ForSubjectToken(second));

        var a = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => GetTokenAsync(cluster.ClientProvider, first)));
        var b = await GetTokenAsync(cluster.ClientProvider, second);

        Assert.Single(a.Select(t => t.Fingerprint).Distinct());
        Assert.NotEqual(a[0].Fingerprint, b.Fingerprint);
        Assert.Equal(2, zone.ExchangeCount("olga"));

        // The first token's grain serves nobody presenting another token.
        var grain = cluster.Cluster.Client.GetGrain<IUserTokenGrain>(GrainKeys.ForSubjectToken(first));
        await Assert.ThrowsAsync<KeycardSubjectException>(() => grain.GetTokenAsync(GrainKeys.Request(second)));
    }

    [Fact]
    public async Task InvalidateByFingerprintFromManyCallers_OneReExchange_StaleFingerprintNone()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 2);
        var subject = zone.MintSubjectToken("bob");
        IKeycardTokenProvider[] providers = [cluster.ClientProvider, .. cluster.SiloProviders];
        var first = await GetTokenAsync(cluster.ClientProvider, subject);

        // 50 callers saw a 401 with the same token: each invalidates it and asks again.
        var fresh = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            var provider = providers[i % providers.Length];
            await provider.InvalidateAsync(KeycardWiring.Request(subject), first.Fingerprint, Ct);
            return await GetTokenAsync(provider, subject);
        }));

        Assert.Equal(2, zone.ExchangeCount("bob"));
        Assert.Single(fresh.Select(t => t.Fingerprint).Distinct());
        Assert.NotEqual(first.Fingerprint, fresh[0].Fingerprint);

        // A late caller with the old fingerprint changes nothing.
        await cluster.ClientProvider.InvalidateAsync(KeycardWiring.Request(subject), first.Fingerprint, Ct);
        var after = await GetTokenAsync(cluster.ClientProvider, subject);
        Assert.Equal(fresh[0].Fingerprint, after.Fingerprint);
        Assert.Equal(2, zone.ExchangeCount("bob"));
    }

    [Fact]
    public async Task DifferentScopeSets_AreCachedApart_InOneGrain()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1);
        var subject = zone.MintSubjectToken("carol");

        var orgRead = await cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(subject, "org:read"), Ct);
        var both = await cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(subject, "project:read", "org:read"), Ct);
        var bothReordered = await cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(subject, "org:read", "project:read"), Ct);

        Assert.NotEqual(orgRead.Fingerprint, both.Fingerprint);
        Assert.Equal(both.Fingerprint, bothReordered.Fingerprint);
        Assert.Equal(2, zone.ExchangeCount("carol"));
    }

    private static async Task<string> GetFingerprintAsync(IKeycardTokenProvider provider, string subject) =>
        (await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct)).Fingerprint;

    private static async Task<KeycardToken> GetTokenAsync(IKeycardTokenProvider provider, string subject) =>
        await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);
}
