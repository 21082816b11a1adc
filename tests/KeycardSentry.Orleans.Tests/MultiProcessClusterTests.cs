using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;
using StackExchange.Redis;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// Real processes: redis-server, two KeycardSentry.Silo processes clustered through it and two LoadClient processes,
/// all asking for the same 50 users against a local zone; then one silo leaves: gracefully (SIGTERM), or killed
/// (SIGKILL) under load with failure detection tuned down through the silo's <c>Cluster:*</c> keys, with each grain
/// directory (<c>Cluster:GrainDirectory</c>).
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed partial class MultiProcessClusterTests
{
    private const int SigTerm = 15;
    private const int Users = 50;
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);

    // After SIGKILL: how long the cluster may take to declare the silo dead and serve every user again.
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(90);

    // The load clients' retry policy in the SIGKILL test: 8 retries after 0.25, 0.5, 1, 2, 4, 8, 8, 8 s.
    private const int ClientRetries = 8;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoSilosTwoClients_FiftyUsers_FiftyExchanges_AndClientsSurviveASiloLeaving()
    {
        await using var deployment = await Deployment.StartAsync(fastFailureDetection: false, KeycardGrainDirectory.Default);

        // One client with the near cache (the default), one without (every call a grain call).
        var client1 = deployment.StartClient("client-1", nearCache: true);
        var client2 = deployment.StartClient("client-2", nearCache: false);
        var (round1, _) = await client1.WaitForLineAsync(IsCleanRound, StartBound, cancellationToken: Ct);
        var (round2, _) = await client2.WaitForLineAsync(IsCleanRound, StartBound, cancellationToken: Ct);

        // Both clients, both silos, 50 users: one exchange per user in the whole cluster.
        var zone = deployment.Zone;
        Assert.Equal(Users, zone.TotalExchanges);
        Assert.All(deployment.Users.Keys, u => Assert.Equal(1, zone.ExchangeCount(u)));
        Assert.Equal(Fingerprints(round1), Fingerprints(round2));

        // One silo leaves gracefully (SIGTERM): it exits 0, and the clients' later rounds all succeed.
        var siloA = deployment.SiloA;
        siloA.Signal(SigTerm);
        Assert.Equal(0, await siloA.WaitForExitAsync(StartBound, Ct));
        Assert.Contains(siloA.Lines, l => l.Contains("KeycardSentry silo stopped.", StringComparison.Ordinal));
        var mark1 = client1.Lines.Count;
        var mark2 = client2.Lines.Count;

        // The first round after the mark may have started before the silo left; require two clean rounds after it.
        var (_, next1) = await client1.WaitForLineAsync(IsCleanRound, StartBound, mark1, Ct);
        await client1.WaitForLineAsync(IsCleanRound, StartBound, next1 + 1, Ct);
        var (_, next2) = await client2.WaitForLineAsync(IsCleanRound, StartBound, mark2, Ct);
        await client2.WaitForLineAsync(IsCleanRound, StartBound, next2 + 1, Ct);

        // Grains of the leaving silo were reactivated on the other one: at most one extra exchange per user.
        Assert.InRange(zone.TotalExchanges, Users, 2 * Users);
        Assert.All(deployment.Users.Keys, u => Assert.InRange(zone.ExchangeCount(u), 1, 2));
        TestContext.Current.TestOutputHelper?.WriteLine($"exchanges: {Users} users, 2 silos, 2 clients -> {Users} before SIGTERM, {zone.TotalExchanges} after one silo left");

        await StopClientsAsync(client1, client2);
        deployment.SiloB.Signal(SigTerm);
        Assert.Equal(0, await deployment.SiloB.WaitForExitAsync(StartBound, Ct));
    }

    [Theory]
    [InlineData(KeycardGrainDirectory.Default)]
    [InlineData(KeycardGrainDirectory.Distributed)]
    public async Task SiloKilledUnderLoad_NoCallFailsAfterTheClientsRetry_AtMostOneExtraExchangePerUser(KeycardGrainDirectory directory)
    {
        await using var deployment = await Deployment.StartAsync(fastFailureDetection: true, directory);

        // Near cache off in both clients: every round must reach every user's grain, so the killed silo's grains matter.
        // Each client retries a failed call as an app's retry policy would (up to 8 times, 0.25 s doubling to 8 s).
        var client1 = deployment.StartClient("client-1", nearCache: false, retries: ClientRetries);
        var client2 = deployment.StartClient("client-2", nearCache: false, retries: ClientRetries);
        await client1.WaitForLineAsync(IsCleanRound, StartBound, cancellationToken: Ct);
        await client2.WaitForLineAsync(IsCleanRound, StartBound, cancellationToken: Ct);
        var zone = deployment.Zone;
        Assert.Equal(Users, zone.TotalExchanges);

        // Which silo holds which user's grain: each grain logs its (hashed) key when it exchanges.
        var onA = deployment.UsersExchangedOn(deployment.SiloA);
        var onB = deployment.UsersExchangedOn(deployment.SiloB);
        Assert.Equal(Users, onA.Count + onB.Count);
        Assert.Empty(onA.Intersect(onB));
        var (victim, survivor, hosted) = onA.Count >= onB.Count ? (deployment.SiloA, deployment.SiloB, onA) : (deployment.SiloB, deployment.SiloA, onB);
        Assert.NotEmpty(hosted);

        // SIGKILL under load: no shutdown, no goodbye to the membership table; the survivor must notice by probing.
        var marks = new[] { client1.Lines.Count, client2.Lines.Count };
        var killed = Stopwatch.StartNew();
        victim.Kill();
        Assert.NotEqual(0, await victim.WaitForExitAsync(StartBound, Ct));
        Assert.DoesNotContain(victim.Lines, l => l.Contains("KeycardSentry silo stopped.", StringComparison.Ordinal));

        // The cluster declares it dead in the membership table (Redis); from then on its grains live on the survivor.
        await deployment.WaitUntilDeclaredDeadAsync(victim, RecoveryBound);
        var declaredDeadAfter = killed.Elapsed;

        // Every client then runs two whole rounds that began after the declaration (the first round after it may have started before).
        var clients = new[] { client1, client2 };
        var ends = new int[clients.Length];
        for (var c = 0; c < clients.Length; c++)
        {
            var (_, next) = await clients[c].WaitForLineAsync(IsRound, RecoveryBound, clients[c].Lines.Count, Ct);
            for (var i = 0; i < 2; i++)
            {
                (_, next) = await clients[c].WaitForLineAsync(IsRound, RecoveryBound, next + 1, Ct);
            }

            ends[c] = next;
        }

        // Not one call failed after the client's retry, in any round from the kill on: rounds in flight at the kill included.
        var failedAttempts = 0;
        var retried = 0;
        for (var c = 0; c < clients.Length; c++)
        {
            var rounds = clients[c].Lines.Skip(marks[c]).Take(ends[c] + 1 - marks[c]).Where(IsRound).Select(l => JsonNode.Parse(l)!).ToList();
            Assert.All(rounds, r => Assert.True(
                r["failures"]!.GetValue<int>() == 0 && r["successes"]!.GetValue<int>() == Users * 3,
                $"{clients[c].Name}: a call failed after {ClientRetries} retries: {r.ToJsonString()}"));
            failedAttempts += rounds.Sum(r => r["failedAttempts"]!.GetValue<int>());
            retried += rounds.Sum(r => r["retried"]!.GetValue<int>());
        }

        // Every user whose grain lived on the killed silo was exchanged again, exactly once (its tokens died with the
        // process). A user whose grain lived on the survivor may be too, once: with the default directory Orleans
        // deactivates a survivor's activations whose directory entry was in the dead silo's partition. Nobody more than once.
        Assert.All(hosted, u => Assert.Equal(2, zone.ExchangeCount(u)));
        Assert.All(deployment.Users.Keys, u => Assert.InRange(zone.ExchangeCount(u), 1, 2));
        var directoryCasualties = deployment.Users.Keys.Except(hosted).Where(u => zone.ExchangeCount(u) == 2).ToList();
        var survivorExchanges = deployment.ExchangeCountsOn(survivor);
        Assert.All(directoryCasualties, u => Assert.Equal(2, survivorExchanges.GetValueOrDefault(u)));
        Assert.Equal(Users + hosted.Count + directoryCasualties.Count, zone.TotalExchanges);
        Assert.False(survivor.HasExited, "the surviving silo is still running");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"SIGKILL, grain directory {directory}: {Users} users, 2 clients x 3 calls per user per round; the killed silo hosted {hosted.Count} grains. " +
            $"Declared dead after {declaredDeadAfter.TotalSeconds:0.0} s; failed calls after retry 0; failed attempts {failedAttempts} in {retried} retried calls; " +
            $"extra exchanges +{hosted.Count} (the killed silo's users) +{directoryCasualties.Count} (survivor grains whose directory entry died with it).");

        await StopClientsAsync(client1, client2);
        survivor.Signal(SigTerm);
        Assert.Equal(0, await survivor.WaitForExitAsync(StartBound, Ct));
    }

    private static async Task StopClientsAsync(params ChildProcess[] clients)
    {
        foreach (var client in clients)
        {
            await client.WriteLineAsync("stop");
            await client.WaitForLineAsync(l => l.Contains("\"summary\":true", StringComparison.Ordinal), StartBound, cancellationToken: Ct);
            Assert.Equal(0, await client.WaitForExitAsync(StartBound, Ct));
        }
    }

    private static bool IsSiloBanner(string line) => line.StartsWith("KeycardSentry silo HTTP:", StringComparison.Ordinal);

    private static bool IsRound(string line) => line.StartsWith("{\"round\"", StringComparison.Ordinal);

    private static bool IsCleanRound(string line)
    {
        if (!IsRound(line))
        {
            return false;
        }

        var json = JsonNode.Parse(line)!;
        return json["failures"]!.GetValue<int>() == 0 && json["successes"]!.GetValue<int>() == Users * 3;
    }

    private static Dictionary<string, string> Fingerprints(string roundLine) =>
        JsonNode.Parse(roundLine)!["fingerprints"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());

    internal static string BuildOutput(string key)
    {
        var path = typeof(MultiProcessClusterTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        Assert.True(File.Exists(path), $"{path} is missing: build the test project (it builds the silo and load client).");
        return Path.GetFullPath(path);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"Token grain (?<key>jwt:[0-9a-f]{64}) exchanged", RegexOptions.CultureInvariant)]
    private static partial Regex ExchangedLine();

    /// <summary>redis-server, a local zone, 50 users and two silos; clients are started by the test. Everything is killed on dispose.</summary>
    private sealed class Deployment : IAsyncDisposable
    {
        private readonly List<ChildProcess> _processes = [];
        private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("keycardsentry-mp-");
        private Dictionary<string, string> _cluster = [];
        private string _clientDll = string.Empty;
        private string _usersFile = string.Empty;
        private readonly Dictionary<ChildProcess, int> _siloPorts = [];
        private bool _fastFailureDetection;
        private KeycardGrainDirectory _directory;
        private int _redisPort;

        public LocalKeycardZone Zone { get; private set; } = null!;

        public Dictionary<string, string> Users { get; private set; } = [];

        public ChildProcess SiloA { get; private set; } = null!;

        public ChildProcess SiloB { get; private set; } = null!;

        public static async Task<Deployment> StartAsync(bool fastFailureDetection, KeycardGrainDirectory directory)
        {
            var redisServer = FindOnPath("redis-server");
            if (redisServer is null)
            {
                const string message = "redis-server is not on PATH (apt-get install -y redis-server); the multi-process cluster test needs it.";
                SharedFiles.SkipOrFail("KEYCARDSENTRY_REQUIRE_REDIS", message);
            }

            var deployment = new Deployment { _fastFailureDetection = fastFailureDetection, _directory = directory };
            try
            {
                await deployment.StartCoreAsync(redisServer);
                return deployment;
            }
            catch
            {
                await deployment.DisposeAsync();
                throw;
            }
        }

        private async Task StartCoreAsync(string redisServer)
        {
            var siloDll = BuildOutput("SiloDll");
            _clientDll = BuildOutput("LoadClientDll");
            var redisPort = _redisPort = FreePort();
            var redis = Track(ChildProcess.Start("redis", redisServer, ["--port", redisPort.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]));
            await redis.WaitForLineAsync(l => l.Contains("Ready to accept connections", StringComparison.Ordinal), StartBound, cancellationToken: Ct);

            Zone = await LocalKeycardZone.StartAsync();
            Users = Enumerable.Range(0, MultiProcessClusterTests.Users).ToDictionary(i => $"mp-user{i}", i => Zone.MintSubjectToken($"mp-user{i}"));
            _usersFile = Path.Combine(_work.FullName, "users.json");
            await File.WriteAllTextAsync(_usersFile, JsonSerializer.Serialize(Users), Ct);

            _cluster = new Dictionary<string, string>
            {
                ["Cluster__Mode"] = "Redis",
                ["Cluster__RedisConnectionString"] = $"127.0.0.1:{redisPort}",
                ["Cluster__ClusterId"] = "mp-" + Guid.NewGuid().ToString("N")[..8],
                ["Cluster__ServiceId"] = "keycardsentry-tests",
                ["DOTNET_ENVIRONMENT"] = "Production",
            };

            SiloA = StartSilo("silo-a", siloDll);
            SiloB = StartSilo("silo-b", siloDll);
            await Task.WhenAll(
                SiloA.WaitForLineAsync(IsSiloBanner, StartBound, cancellationToken: Ct),
                SiloB.WaitForLineAsync(IsSiloBanner, StartBound, cancellationToken: Ct));
        }

        public ChildProcess StartClient(string name, bool nearCache, int retries = 0)
        {
            var environment = new Dictionary<string, string>(_cluster) { ["Keycard__NearCache"] = nearCache ? "true" : "false" };
            if (_fastFailureDetection)
            {
                // A call to a grain on the dead silo fails after 5 s instead of 30; the gateway list is re-read every 2 s.
                environment["Cluster__ResponseTimeout"] = "00:00:05";
                environment["Cluster__GatewayListRefreshPeriod"] = "00:00:02";
            }

            var client = Track(ChildProcess.Start(
                name, "dotnet", [_clientDll, "--users", _usersFile, "--calls", "3", "--until-stopped", "--interval-ms", "200", "--retries", retries.ToString(), "--retry-delay-ms", "250"], environment));
            return client;
        }

        /// <summary>
        /// Waits (bounded) until the membership table in Redis marks <paramref name="silo"/> Dead: its row, named by its
        /// address and silo port, has <c>Status</c> 6 (<c>SiloStatus.Dead</c>).
        /// </summary>
        public async Task WaitUntilDeclaredDeadAsync(ChildProcess silo, TimeSpan bound)
        {
            var port = _siloPorts[silo];
            await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_redisPort}");
            var server = redis.GetServer("127.0.0.1", _redisPort);
            var database = redis.GetDatabase();
            await Eventually.ReturnsAsync(
                async () =>
                {
                    foreach (var key in server.Keys(pattern: "*members*"))
                    {
                        foreach (var row in await database.HashGetAllAsync(key))
                        {
                            if (row.Name.ToString().Contains($"127.0.0.1:{port}:", StringComparison.Ordinal) && IsDead(row.Value.ToString()))
                            {
                                return true;
                            }
                        }
                    }

                    return false;
                },
                dead => dead,
                Ct,
                bound);
        }

        private static bool IsDead(string row)
        {
            using var json = JsonDocument.Parse(row);
            return json.RootElement.TryGetProperty("Status", out var status)
                && ((status.ValueKind == JsonValueKind.Number && status.GetInt32() == 6) || (status.ValueKind == JsonValueKind.String && status.GetString() == "Dead"));
        }

        /// <summary>The users whose grain exchanged on <paramref name="silo"/> (from its debug log of hashed grain keys).</summary>
        public HashSet<string> UsersExchangedOn(ChildProcess silo) => [.. ExchangeCountsOn(silo).Keys];

        /// <summary>How many exchanges each user's grain logged on <paramref name="silo"/>.</summary>
        public Dictionary<string, int> ExchangeCountsOn(ChildProcess silo)
        {
            var byKey = Users.ToDictionary(u => GrainKeys.ForSubjectToken(u.Value), u => u.Key, StringComparer.Ordinal);
            return silo.Lines.Select(l => ExchangedLine().Match(l)).Where(m => m.Success)
                .GroupBy(m => byKey[m.Groups["key"].Value], StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        }

        private ChildProcess StartSilo(string name, string siloDll)
        {
            var siloPort = FreePort();
            var environment = new Dictionary<string, string>(_cluster)
            {
                ["Cluster__SiloPort"] = siloPort.ToString(),
                ["Cluster__GrainDirectory"] = _directory.ToString(),
                ["Cluster__GatewayPort"] = FreePort().ToString(),
                ["Cluster__AdvertisedIP"] = "127.0.0.1",
                ["Silo__HttpPort"] = "0",
                ["Silo__Dashboard"] = "false",
                ["Keycard__ZoneUrl"] = Zone.ZoneUrl.ToString(),
                ["Keycard__ClientId"] = Zone.ClientId,
                ["Keycard__ClientSecret"] = Zone.ClientSecret,
                ["Keycard__SubjectAudience"] = Zone.SubjectAudience,

                // The grain's debug line names its (hashed) key when it exchanges: where each user's grain lives.
                ["Logging__LogLevel__KeycardSentry.Orleans.Internal.UserTokenGrain"] = "Debug",
                ["Logging__Console__FormatterName"] = "simple",
                ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            };
            if (_fastFailureDetection)
            {
                // Declared dead after two missed 1 s probes instead of three 5 s ones; votes live 10 s.
                environment["Cluster__ProbeTimeout"] = "00:00:01";
                environment["Cluster__NumMissedProbesLimit"] = "2";
                environment["Cluster__DeathVoteExpiration"] = "00:00:10";
                environment["Cluster__TableRefreshTimeout"] = "00:00:02";
                environment["Cluster__ResponseTimeout"] = "00:00:05";
            }

            var silo = Track(ChildProcess.Start(name, "dotnet", [siloDll], environment));
            _siloPorts[silo] = siloPort;
            return silo;
        }

        private ChildProcess Track(ChildProcess process)
        {
            _processes.Add(process);
            return process;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var process in _processes)
            {
                await process.DisposeAsync();
            }

            if (Zone is not null)
            {
                await Zone.DisposeAsync();
            }

            _work.Delete(recursive: true);
        }
    }
}
