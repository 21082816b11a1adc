using System.Globalization;
using KeycardSentry.Internal;
using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.Time.Testing;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// Issue 7, items 1, 2, 3 and 11c, through the user token grains (client → gateway → grain, near cache on, one fake clock
/// for zone, silo and client): no grain asks Keycard by itself (there are no grain timers), steady callers cause at most
/// one refresh per token, long lifetimes are clamped, malformed token responses reach the caller as typed exceptions
/// and are never cached, and Keycard's <c>invalid_grant</c> crosses the wire as <see cref="KeycardSubjectException"/>.
/// </summary>
public sealed class GrainHardeningTests
{
    private const int Seed = 20260801;

    private static readonly DateTimeOffset Start = new(2026, 8, 1, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(60)]
    [InlineData(179)]
    [InlineData(181)]
    public async Task OneCallThenTenIdleMinutes_OneTokenRequest_WhateverTheLifetime(int lifetime)
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(Zone(time, lifetime));
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, time: time, clientTime: time);
        var request = KeycardWiring.Request(zone.MintSubjectToken("alice", TimeSpan.FromHours(2)));

        await CallAsync(cluster.ClientProvider, request, lifetime);
        for (var second = 0; second < 600; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"expires_in {lifetime}: {zone.Requests.Count} token request(s) after one call and 10 idle minutes");
        Assert.Single(zone.Requests);
        await CallAsync(cluster.ClientProvider, request, lifetime);
        Assert.Equal(2, zone.Requests.Count);
    }

    /// <summary>A call every 5 s for 10 minutes (121 calls): the same counts as the in-process cache (HardeningRefreshTests).</summary>
    [Theory]
    [InlineData(-1, 10)]
    [InlineData(0, 121)]
    [InlineData(1, 121)]
    [InlineData(60, 41)]
    [InlineData(179, 11)]
    [InlineData(181, 10)]
    public async Task SteadyCallsForTenMinutes_EachTokenRefreshedAtMostOnce_NoExpiredTokenServed(int lifetime, int expectedRequests)
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(Zone(time, lifetime));
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, time: time, clientTime: time);
        var subject = zone.MintSubjectToken("alice", TimeSpan.FromHours(2));
        var grain = cluster.Cluster.Client.GetGrain<IUserTokenGrain>(GrainKeys.ForSubjectToken(subject));
        var policy = TokenPolicy.From(new KeycardOptions());

        for (var elapsed = 0; elapsed <= 600; elapsed += 5)
        {
            if (await CallAsync(cluster.ClientProvider, KeycardWiring.Request(subject), lifetime) is { } token)
            {
                Assert.True(lifetime == 0 || token.ExpiresAt > time.GetUtcNow(), $"an expired token was served at {elapsed} s");

                // A refresh the call started lands in the grain before the clock moves on (asked of the grain itself:
                // the client's near copy of a due token lasts a few seconds more).
                var due = token.ExpiresAt;
                while (time.GetUtcNow() >= RefreshPoint(due, policy, lifetime))
                {
                    due = (await Eventually.ReturnsAsync(() => grain.GetTokenAsync(GrainKeys.Request(subject)), g => g.ExpiresAt != due, Ct)).ExpiresAt;
                }
            }

            time.Advance(TimeSpan.FromSeconds(5));
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"expires_in {lifetime}: 121 calls in 10 minutes, {zone.Requests.Count} token requests, {cluster.GrainCalls.GetToken} grain calls");
        Assert.Equal(expectedRequests, zone.Requests.Count);
    }

    [Theory]
    [InlineData(60 * 24 * 3600.0)]
    [InlineData(1e9)]
    public async Task LifetimeOf60DaysOr1e9Seconds_ClampedTo24Hours_ServedAndRefreshedAhead(double seconds)
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, AccessTokenLifetime = TimeSpan.FromSeconds(seconds) });
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, time: time, clientTime: time);
        var subject = zone.MintSubjectToken("alice", TimeSpan.FromDays(3));
        var provider = cluster.ClientProvider;

        var first = await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);
        Assert.Equal(Start + TimeSpan.FromHours(24), first.ExpiresAt);
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct)).Fingerprint);

        // Just past the refresh point (24 h - 3 min): the call starts the refresh and gets the still-valid token.
        time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(1));
        Assert.Equal(first.Fingerprint, (await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct)).Fingerprint);
        var grain = cluster.Cluster.Client.GetGrain<IUserTokenGrain>(GrainKeys.ForSubjectToken(subject));
        var renewed = await Eventually.ReturnsAsync(() => grain.GetTokenAsync(GrainKeys.Request(subject)), g => g.Fingerprint != first.Fingerprint, Ct);

        Assert.Equal(time.GetUtcNow() + TimeSpan.FromHours(24), renewed.ExpiresAt);
        Assert.Equal(2, zone.TotalExchanges);
    }

    [Fact]
    public async Task AThousandMalformedResponsesThroughTheGrain_TypedErrorsOnly_NoneCached()
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, SubjectTokenLifetime = TimeSpan.FromHours(2) });
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, time: time, clientTime: time);
        var provider = cluster.ClientProvider;
        var subject = zone.MintSubjectToken("alice");
        var cases = MalformedTokenResponses.Generate(Seed, 1000);
        var untyped = new List<string>();
        var cached = new List<string>();
        var unsafeMessages = new List<string>();
        var started = System.Diagnostics.Stopwatch.StartNew();

        for (var i = 0; i < cases.Count; i++)
        {
            // One resource per case: a slot of its own in alice's grain, so every case starts from a miss.
            var request = new KeycardTokenRequest(subject, KeycardWiring.Resource + "/case-" + i.ToString(CultureInfo.InvariantCulture), ["org:read"]);
            zone.EnqueueFault(cases[i].Response);
            try
            {
                await provider.GetTokenAsync(request, Ct);
                cached.Add(cases[i].Kind + " (accepted)");
            }
            catch (Exception ex) when (ex is KeycardExchangeException or KeycardSubjectException)
            {
                if (ex.Message.Any(char.IsControl) || ex.Message.Length > 1500 || ex.Message.Contains("kc_at_", StringComparison.Ordinal))
                {
                    unsafeMessages.Add($"{cases[i].Kind}: {ex.Message.Length} chars");
                }
            }
            catch (Exception ex)
            {
                untyped.Add($"{cases[i].Kind}: {ex.GetType().Name}");
            }

            // The failure is remembered for the back-off (1 s); then the same request exchanges for real: nothing was cached.
            time.Advance(TimeSpan.FromSeconds(1));
            var exchanges = zone.TotalExchanges;
            var token = await provider.GetTokenAsync(request, Ct);
            if (zone.TotalExchanges != exchanges + 1 || !zone.TryResolveAccessToken(token.AccessToken, out _))
            {
                cached.Add(cases[i].Kind);
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{cases.Count} malformed responses through the grain in {started.Elapsed.TotalSeconds:0.0} s: {untyped.Count} untyped, {cached.Count} cached, {unsafeMessages.Count} unsafe messages");
        Assert.Empty(untyped);
        Assert.Empty(cached);
        Assert.Empty(unsafeMessages);
    }

    [Fact]
    public async Task KeycardsInvalidGrant_CrossesTheWireAsKeycardSubjectException_RememberedForTheBackOff()
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, time: time, clientTime: time);
        var request = KeycardWiring.Request(zone.MintSubjectToken("alice"));
        zone.EnqueueFault(FaultResponse.OAuthError("invalid_grant", "The subject token was revoked."));

        var ex = await Assert.ThrowsAsync<KeycardSubjectException>(() => cluster.ClientProvider.GetTokenAsync(request, Ct).AsTask());
        await Assert.ThrowsAsync<KeycardSubjectException>(() => cluster.ClientProvider.GetTokenAsync(request, Ct).AsTask());

        Assert.Contains("sign in to Keycard again", ex.Message, StringComparison.Ordinal);
        Assert.Single(zone.Requests);
        time.Advance(TimeSpan.FromSeconds(1));
        await cluster.ClientProvider.GetTokenAsync(request, Ct);
        Assert.Equal(2, zone.Requests.Count);
    }

    [Fact]
    public async Task AnOpaqueBoundToken_IsServedAtMostSubjectValidationCacheDuration_ThenTheRevokedSubjectIsRefused()
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, AccessTokenLifetime = TimeSpan.FromHours(1) });
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, time: time, clientTime: time);
        var opaque = zone.MintOpaqueSubjectToken("olivia");
        var first = await cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(opaque), Ct);

        Assert.True(zone.RevokeOpaqueSubjectToken(opaque));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(first.Fingerprint, (await cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(opaque), Ct)).Fingerprint);
        time.Advance(TimeSpan.FromMinutes(3));

        await Assert.ThrowsAsync<KeycardSubjectException>(() => cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(opaque), Ct).AsTask());
        Assert.Equal(2, zone.Requests.Count);
    }

    /// <summary>A zone whose tokens live <paramref name="lifetime"/> seconds (-1: the zone answers <c>expires_in: -1</c>, which is refused).</summary>
    private static LocalKeycardZoneOptions Zone(TimeProvider time, int lifetime) =>
        new() { TimeProvider = time, AccessTokenLifetime = TimeSpan.FromSeconds(lifetime), SubjectTokenLifetime = TimeSpan.FromHours(2) };

    /// <summary>When the grain starts refreshing a token that expires at <paramref name="expiresAt"/> (the clock stood still while it arrived).</summary>
    private static DateTimeOffset RefreshPoint(DateTimeOffset expiresAt, TokenPolicy policy, int lifetime)
    {
        var receivedAt = expiresAt - TimeSpan.FromSeconds(lifetime);
        return policy.RefreshAt(receivedAt, policy.ServableUntil(receivedAt, expiresAt, opaqueBinding: false));
    }

    private static async Task<KeycardToken?> CallAsync(IKeycardTokenProvider provider, KeycardTokenRequest request, int lifetime)
    {
        if (lifetime >= 0)
        {
            return await provider.GetTokenAsync(request, Ct);
        }

        var refused = await Assert.ThrowsAsync<KeycardExchangeException>(() => provider.GetTokenAsync(request, Ct).AsTask());
        Assert.Equal("invalid_response", refused.Error);
        return null;
    }
}
