using KeycardSentry.Internal;
using KeycardSentry.Orleans.Internal;
using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using System.Diagnostics.Metrics;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// Issue 7, item 11b and the near copy's lifetime: an invalidation holds back only the in-flight answers of its own
/// stripe (one of <see cref="NearTokenCache.Stripes"/>, chosen by the key's hash), not everyone's; and a copy never
/// outlives the time the grain itself would serve the token.
/// </summary>
public sealed class NearCacheHardeningTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void AnInvalidation_DropsInFlightAnswersOfItsOwnStripeOnly()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var cache = new NearTokenCache(100, TimeSpan.FromMinutes(5), time, new NearCacheMetrics(services.GetRequiredService<IMeterFactory>()));
        var alice = Key("alice");
        var otherStripe = Candidates().First(k => NearTokenCache.Stripe(k) != NearTokenCache.Stripe(alice));
        var sameStripe = Candidates().First(k => NearTokenCache.Stripe(k) == NearTokenCache.Stripe(alice));

        // Two answers are in flight (their generations read before the grain call) when alice's 401 invalidates her key.
        var otherGeneration = cache.GenerationOf(otherStripe);
        var sameGeneration = cache.GenerationOf(sameStripe);
        cache.Invalidate(alice, "0123456789abcdef");
        cache.Add(otherStripe, Token("kc_at_other"), time.GetUtcNow().AddMinutes(1), time.GetUtcNow().AddMinutes(1), null, otherGeneration);
        cache.Add(sameStripe, Token("kc_at_same"), time.GetUtcNow().AddMinutes(1), time.GetUtcNow().AddMinutes(1), null, sameGeneration);

        Assert.Equal(NearCacheLookup.Hit, cache.TryGet(otherStripe, out var kept));
        Assert.Equal("kc_at_other", kept!.AccessToken);

        // Documented: a key that shares alice's stripe (1 in 256) loses its in-flight answer; its next call asks the grain.
        Assert.Equal(NearCacheLookup.Absent, cache.TryGet(sameStripe, out _));
    }

    [Fact]
    public async Task OneUsersInvalidation_DoesNotDropAnotherUsersInFlightAnswer()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, clientTime: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var provider = cluster.ClientProvider;
        var alice = KeycardWiring.Request(zone.MintSubjectToken("alice"));
        var aliceToken = await provider.GetTokenAsync(alice, Ct);

        // A user whose near-cache key is in another stripe than alice's (in this process; the hash is seeded per process).
        var bob = Enumerable.Range(0, 10_000)
            .Select(i => KeycardWiring.Request(zone.MintSubjectToken("bob" + i)))
            .First(r => NearTokenCache.Stripe(NearCacheKey.For(r)) != NearTokenCache.Stripe(NearCacheKey.For(alice)));

        // Bob's first call is in flight (Keycard holds his exchange) when alice's token is invalidated.
        var gate = zone.HoldTokenRequests();
        var bobCall = provider.GetTokenAsync(bob, Ct).AsTask();
        await gate.WhenArrivedAsync(1, Ct).WaitAsync(Bound, Ct);
        await provider.InvalidateAsync(alice, aliceToken.Fingerprint, Ct);
        zone.StopHolding();
        var bobToken = await bobCall.WaitAsync(Bound, Ct);

        // Bob's answer was kept near: his next call costs no grain call.
        var calls = cluster.GrainCalls.GetToken;
        Assert.Equal(bobToken.Fingerprint, (await provider.GetTokenAsync(bob, Ct)).Fingerprint);
        Assert.Equal(calls, cluster.GrainCalls.GetToken);
    }

    [Fact]
    public void PastTheRefreshPoint_OneLookupPerSecondAsksAgain_AndNoCopyIsServedPastTheGrainsServableTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var cache = new NearTokenCache(100, TimeSpan.FromMinutes(5), time, new NearCacheMetrics(services.GetRequiredService<IMeterFactory>()));
        var alice = Key("alice");
        var start = time.GetUtcNow();
        cache.Add(alice, Token("kc_at_alice"), askAgainAt: start.AddSeconds(60), servableUntil: start.AddSeconds(90), subjectExpiresAt: null, cache.GenerationOf(alice));

        // Before the refresh point: plain hits.
        Assert.Equal(NearCacheLookup.Hit, cache.TryGet(alice, out _));
        time.Advance(TimeSpan.FromSeconds(60));

        // From it on, 100 lookups in the same instant: every one is served, exactly one is told to ask the grain.
        var lookups = Enumerable.Range(0, 100).Select(_ => cache.TryGet(alice, out var token) is var result && token is not null ? result : NearCacheLookup.Absent).ToList();
        Assert.Equal(1, lookups.Count(l => l == NearCacheLookup.HitRefreshDue));
        Assert.Equal(99, lookups.Count(l => l == NearCacheLookup.Hit));

        // That ask failed (nothing was added): the next ask comes a floor later, not on every call.
        time.Advance(TokenEntry.CopyAskAgainDuringRefresh - TimeSpan.FromTicks(1));
        Assert.Equal(NearCacheLookup.Hit, cache.TryGet(alice, out _));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(NearCacheLookup.HitRefreshDue, cache.TryGet(alice, out _));

        // Never past the time the grain itself serves the token.
        time.Advance(start.AddSeconds(90) - time.GetUtcNow());
        Assert.Equal(NearCacheLookup.Expired, cache.TryGet(alice, out _));
    }

    [Fact]
    public async Task WithoutRefreshAhead_ANearCopyLastsNoLongerThanTheGrainServesTheToken()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, AccessTokenLifetime = TimeSpan.FromMinutes(10) });
        await using var cluster = await TokenCluster.StartAsync(
            zone, silos: 1, time: time, clientTime: time, keycard: o => o.RefreshAhead = TimeSpan.Zero, clientOptions: o => o.NearCacheMaxAge = TimeSpan.FromHours(1));
        var request = KeycardWiring.Request(zone.MintSubjectToken("alice", TimeSpan.FromHours(2)));
        var first = await cluster.ClientProvider.GetTokenAsync(request, Ct);

        // Served until expires_at - 60 s (9 min): a call then gets a new token, not the near copy of the old one.
        time.Advance(TimeSpan.FromMinutes(9));
        var second = await cluster.ClientProvider.GetTokenAsync(request, Ct);

        Assert.NotEqual(first.Fingerprint, second.Fingerprint);
        Assert.True(second.ExpiresAt - TimeSpan.FromMinutes(1) > time.GetUtcNow());
        Assert.Equal(2, zone.ExchangeCount("alice"));
    }

    private static NearCacheKey Key(string subject) => new(SubjectTokenHash.Compute(subject), KeycardWiring.Resource, "org:read");

    private static IEnumerable<NearCacheKey> Candidates() => Enumerable.Range(0, 100_000).Select(i => Key("subject-" + i));

    private static KeycardToken Token(string accessToken) => new(accessToken, "Bearer", DateTimeOffset.UtcNow.AddHours(1), ["org:read"]);
}
