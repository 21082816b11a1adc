using System.Collections.Concurrent;
using System.Diagnostics;
using KeycardSentry.Internal;
using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// Issue 7, items 4, 5 and 12, in a cluster: forged and junk subject tokens are refused by size and shape in the calling
/// process and by the validator (the silo's gateway for a client that does not know the zone, the provider itself in a
/// process that does) before they reach a user's grain or Keycard; rejection warnings are rate-limited; and eviction
/// under 16 concurrent callers fails nobody. Grain calls are counted by a filter in the silo.
/// </summary>
public sealed class GrainForgeryTests
{
    private const int Seed = 20260807;
    private const int Workers = 8;

    private static readonly DateTimeOffset Start = new(2026, 8, 1, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FloodOfForgedTokensNamingTheVictim_NeverReachesTheVictimsGrain_VictimKeepsBeingServed()
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var cluster = await TokenCluster.StartAsync(
            zone, silos: 1, time: time, clientTime: time, clientOptions: o => o.NearCache = false, configureSilo: s => s.Services.AddLogging(l => l.AddFakeLogging()));
        var client = cluster.ClientProvider;
        var silo = Assert.Single(cluster.SiloProviders);
        var victim = KeycardWiring.Request(zone.MintSubjectToken("victim"));
        var random = new Random(Seed);
        var small = Enumerable.Range(0, 1000).Select(_ => SubjectTokenForgeries.SignatureTampered(zone, "victim", random)).ToArray();
        for (var i = 0; i < 20; i++)
        {
            await client.GetTokenAsync(victim, Ct); // warm: the victim's grain is active and holds the token
        }

        var quiet = await MeasureVictimAsync(client, victim, until: null);

        // The flood: 1,000 forged 200 KB JWTs and 1,000 signature-tampered ones through the client (refused by size in the
        // client, by the silo's gateway), the tampered ones again through the silo's own provider (it validates itself).
        var flood = new ConcurrentQueue<(IKeycardTokenProvider Provider, Func<string> Token)>(
            Enumerable.Range(0, 1000).Select(i => (client, (Func<string>)(() => SubjectTokenForgeries.Large(zone, "victim", 200 * 1024, new Random(i)))))
                .Concat(small.Select(t => (client, (Func<string>)(() => t))))
                .Concat(small.Select(t => (silo, (Func<string>)(() => t)))));
        var refused = 0;
        var other = new ConcurrentBag<string>();
        var flooding = Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            while (flood.TryDequeue(out var forged))
            {
                try
                {
                    await forged.Provider.GetTokenAsync(KeycardWiring.Request(forged.Token()), Ct);
                    other.Add("accepted");
                }
                catch (KeycardSubjectException)
                {
                    Interlocked.Increment(ref refused);
                }
                catch (Exception ex)
                {
                    other.Add(ex.GetType().Name);
                }
            }
        }, Ct)));
        var loud = await MeasureVictimAsync(client, victim, until: flooding);
        await flooding;

        var warnings = cluster.Cluster.Silos[0].ServiceProvider.GetFakeLogCollector().GetSnapshot()
            .Count(r => r.Level >= LogLevel.Warning && r.Category == typeof(SubjectTokenValidator).FullName);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"victim p50 without flood {quiet.P50:0.000} ms ({quiet.Calls} calls), during the flood {loud.P50:0.000} ms ({loud.Calls} calls), ratio {loud.P50 / quiet.P50:0.00} " +
            $"(printed, not asserted: timing on a shared machine proves nothing); {refused} forgeries refused, {warnings} rejection warning(s), {cluster.GrainCalls.GetToken} user-grain calls");
        Assert.Empty(other);
        Assert.Equal(3000, refused);
        Assert.Equal(20 + quiet.Calls + loud.Calls, cluster.GrainCalls.GetToken); // the victim's own calls, and nothing else
        Assert.Equal(20 + quiet.Calls + loud.Calls + 1000, cluster.GrainCalls.GatewayGetToken); // the 200 KB ones never left the client
        Assert.Single(zone.Requests);
        Assert.InRange(warnings, 1, 3); // the clock stands still: one line, the rest counted in it
    }

    [Fact]
    public async Task AThousandForgeries_NoTokenRequest_NoUserGrainCallOrActivation_ThroughGatewayOrLocalValidation()
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, time: time, clientTime: time, keycard: o => o.SubjectTokens = null);
        var forgeries = SubjectTokenForgeries.Generate(zone, "victim", Seed, 1000);
        var other = new List<string>();

        foreach (var (forgery, index) in forgeries.Select((f, i) => (f, i)))
        {
            // Alternately through the client (gateway) and the silo's own provider (local validation).
            var provider = index % 2 == 0 ? cluster.ClientProvider : cluster.SiloProviders[0];
            var ex = await Assert.ThrowsAnyAsync<Exception>(() => provider.GetTokenAsync(KeycardWiring.Request(forgery.Token), Ct).AsTask());
            if (ex is not KeycardSubjectException || ex.Message.Contains(forgery.Token, StringComparison.Ordinal))
            {
                other.Add($"{forgery}: {ex.GetType().Name}");
            }
        }

        var management = cluster.Cluster.Client.GetGrain<IManagementGrain>(0);
        var statistics = await management.GetSimpleGrainStatistics(Ct);
        TestContext.Current.TestOutputHelper?.WriteLine("activations: " + string.Join(", ", statistics.Select(s => $"{s.GrainType} {s.ActivationCount}")));
        var activations = statistics.Where(s => s.GrainType.Contains("usertoken", StringComparison.OrdinalIgnoreCase)).Sum(s => s.ActivationCount);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{forgeries.Count} forgeries: {other.Count} not refused as KeycardSubjectException, {zone.Requests.Count} token requests, {cluster.GrainCalls.GetToken} user-grain calls, {activations} activations");
        Assert.Empty(other);
        Assert.Empty(zone.Requests);
        Assert.Equal(0, cluster.GrainCalls.GetToken);
        Assert.Equal(0, activations);
    }

    [Fact]
    public async Task AClientThatKnowsTheZone_RefusesForgeriesItself_NeitherGatewayNorUserGrainIsCalled()
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        var keycardSection = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ZoneUrl"] = zone.Issuer, ["SubjectAudience"] = zone.SubjectAudience })
            .Build();
        await using var cluster = await TokenCluster.StartAsync(
            zone, silos: 1, time: time, clientTime: time, keycard: o => o.SubjectTokens = null, configureClient: c => c.Services.AddKeycardOrleansTokenCache(keycardSection));
        var provider = (OrleansKeycardTokenProvider)cluster.ClientProvider;
        Assert.True(provider.ValidatesLocally);
        await provider.GetTokenAsync(KeycardWiring.Request(zone.MintSubjectToken("victim")), Ct);

        foreach (var forgery in SubjectTokenForgeries.Generate(zone, "victim", Seed, 200))
        {
            await Assert.ThrowsAsync<KeycardSubjectException>(() => provider.GetTokenAsync(KeycardWiring.Request(forgery.Token), Ct).AsTask());
        }

        Assert.Equal(1, cluster.GrainCalls.GetToken); // the victim's call, straight to the user's grain
        Assert.Equal(0, cluster.GrainCalls.GatewayGetToken);
        Assert.Single(zone.Requests);
    }

    [Fact]
    public async Task WithJwtOrOpaque_TheSameJunkCostsOneExchangeAttemptPerBackOffWindow_NotOnePerCall()
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1, time: time, clientTime: time);
        var junk = KeycardWiring.Request("kc_junk_" + new string('j', 40));

        var attempts = new List<int>();
        for (var second = 0; second < 8; second++)
        {
            var before = zone.Requests.Count;
            for (var call = 0; call < 10; call++)
            {
                var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => cluster.ClientProvider.GetTokenAsync(junk, Ct).AsTask());
                Assert.Equal("invalid_request", ex.Error); // what the zone (like Keycard) answers for a token it never issued
            }

            attempts.Add(zone.Requests.Count - before);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal([1, 1, 0, 1, 0, 0, 0, 1], attempts); // 80 calls in 8 s: attempts at 0, 1, 3 and 7 s
    }

    [Fact]
    public async Task SixteenCallersAndThreeTimesTheNearCacheSizeInUsers_NoFailure()
    {
        const int limit = 50;
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(
            zone, silos: 1, keycard: o => o.SubjectValidationCacheSize = limit, clientTime: new FakeTimeProvider(DateTimeOffset.UtcNow), clientOptions: o => o.NearCacheSize = limit);
        var provider = (OrleansKeycardTokenProvider)cluster.ClientProvider;
        var subjects = Enumerable.Range(0, 3 * limit).Select(i => zone.MintSubjectToken($"user{i}")).ToArray();
        var failures = new ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 16).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < subjects.Length; i++)
            {
                var user = (caller * 37 + i) % subjects.Length;
                try
                {
                    var token = await provider.GetTokenAsync(KeycardWiring.Request(subjects[user]), Ct);
                    if (!zone.TryResolveAccessToken(token.AccessToken, out var issued) || issued.User != $"user{user}")
                    {
                        failures.Add($"user{user} got another user's token");
                    }
                }
                catch (Exception ex)
                {
                    failures.Add($"user{user}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        }, Ct)));

        TestContext.Current.TestOutputHelper?.WriteLine($"16 callers × {subjects.Length} users (near cache {limit}): {failures.Count} failures, {zone.TotalExchanges} exchanges, {provider.NearCache!.Count} near entries");
        Assert.Empty(failures);
        Assert.Equal(subjects.Length, zone.TotalExchanges); // one grain per user holds its token, whatever the near cache drops
        Assert.InRange(provider.NearCache!.Count, 1, limit);
    }

    private static async Task<(double P50, int Calls)> MeasureVictimAsync(IKeycardTokenProvider provider, KeycardTokenRequest victim, Task? until)
    {
        var samples = new List<double>();
        while (samples.Count < 200 || (until is not null && !until.IsCompleted))
        {
            var started = Stopwatch.GetTimestamp();
            await provider.GetTokenAsync(victim, Ct);
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        samples.Sort();
        return (samples[samples.Count / 2], samples.Count);
    }
}
