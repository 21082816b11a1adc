using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// Real processes: redis-server, two KeycardSentry.Silo processes clustered through it and two LoadClient processes,
/// all asking for the same 50 users against a local zone; then one silo gets SIGTERM mid-run.
/// </summary>
public sealed class MultiProcessClusterTests
{
    private const int SigTerm = 15;
    private const int Users = 50;
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoSilosTwoClients_FiftyUsers_FiftyExchanges_AndClientsSurviveASiloLeaving()
    {
        var redisServer = FindOnPath("redis-server");
        if (redisServer is null)
        {
            const string message = "redis-server is not on PATH (apt-get install -y redis-server); the multi-process cluster test needs it.";
            Assert.True(Environment.GetEnvironmentVariable("KEYCARDSENTRY_REQUIRE_REDIS") != "1", message);
            Assert.Skip(message);
        }

        var siloDll = BuildOutput("SiloDll");
        var clientDll = BuildOutput("LoadClientDll");
        var work = Directory.CreateTempSubdirectory("keycardsentry-mp-");
        var processes = new List<ChildProcess>();
        try
        {
            var redisPort = FreePort();
            var redis = Track(processes, ChildProcess.Start("redis", redisServer, ["--port", redisPort.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]));
            await redis.WaitForLineAsync(l => l.Contains("Ready to accept connections", StringComparison.Ordinal), StartBound, cancellationToken: Ct);

            await using var zone = await LocalKeycardZone.StartAsync();
            var users = Enumerable.Range(0, Users).ToDictionary(i => $"mp-user{i}", i => zone.MintSubjectToken($"mp-user{i}"));
            var usersFile = Path.Combine(work.FullName, "users.json");
            await File.WriteAllTextAsync(usersFile, JsonSerializer.Serialize(users), Ct);

            var clusterId = "mp-" + Guid.NewGuid().ToString("N")[..8];
            var cluster = new Dictionary<string, string>
            {
                ["Cluster__Mode"] = "Redis",
                ["Cluster__RedisConnectionString"] = $"127.0.0.1:{redisPort}",
                ["Cluster__ClusterId"] = clusterId,
                ["Cluster__ServiceId"] = "keycardsentry-tests",
                ["DOTNET_ENVIRONMENT"] = "Production",
            };

            ChildProcess StartSilo(string name) => Track(processes, ChildProcess.Start(name, "dotnet", [siloDll], new Dictionary<string, string>(cluster)
            {
                ["Cluster__SiloPort"] = FreePort().ToString(),
                ["Cluster__GatewayPort"] = FreePort().ToString(),
                ["Cluster__AdvertisedIP"] = "127.0.0.1",
                ["Silo__HttpPort"] = "0",
                ["Silo__Dashboard"] = "false",
                ["Keycard__ZoneUrl"] = zone.ZoneUrl.ToString(),
                ["Keycard__ClientId"] = zone.ClientId,
                ["Keycard__ClientSecret"] = zone.ClientSecret,
            }));

            var siloA = StartSilo("silo-a");
            var siloB = StartSilo("silo-b");
            await Task.WhenAll(
                siloA.WaitForLineAsync(IsSiloBanner, StartBound, cancellationToken: Ct),
                siloB.WaitForLineAsync(IsSiloBanner, StartBound, cancellationToken: Ct));

            ChildProcess StartClient(string name) => Track(processes, ChildProcess.Start(name, "dotnet",
                [clientDll, "--users", usersFile, "--calls", "3", "--until-stopped", "--interval-ms", "200"], cluster));

            var client1 = StartClient("client-1");
            var client2 = StartClient("client-2");
            var (round1, _) = await client1.WaitForLineAsync(IsCleanRound, StartBound, cancellationToken: Ct);
            var (round2, _) = await client2.WaitForLineAsync(IsCleanRound, StartBound, cancellationToken: Ct);

            // Both clients, both silos, 50 users: one exchange per user in the whole cluster.
            Assert.Equal(Users, zone.TotalExchanges);
            Assert.All(users.Keys, u => Assert.Equal(1, zone.ExchangeCount(u)));
            Assert.Equal(Fingerprints(round1), Fingerprints(round2));

            // One silo leaves gracefully (SIGTERM): it exits 0, and the clients' later rounds all succeed.
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
            Assert.All(users.Keys, u => Assert.InRange(zone.ExchangeCount(u), 1, 2));
            TestContext.Current.TestOutputHelper?.WriteLine($"exchanges: {Users} users, 2 silos, 2 clients -> {Users} before SIGTERM, {zone.TotalExchanges} after one silo left");

            foreach (var client in new[] { client1, client2 })
            {
                await client.WriteLineAsync("stop");
                await client.WaitForLineAsync(l => l.Contains("\"summary\":true", StringComparison.Ordinal), StartBound, cancellationToken: Ct);
                Assert.Equal(0, await client.WaitForExitAsync(StartBound, Ct));
            }

            siloB.Signal(SigTerm);
            Assert.Equal(0, await siloB.WaitForExitAsync(StartBound, Ct));
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }

            work.Delete(recursive: true);
        }
    }

    private static bool IsSiloBanner(string line) => line.StartsWith("KeycardSentry silo HTTP:", StringComparison.Ordinal);

    private static bool IsCleanRound(string line)
    {
        if (!line.StartsWith("{\"round\"", StringComparison.Ordinal))
        {
            return false;
        }

        var json = JsonNode.Parse(line)!;
        return json["failures"]!.GetValue<int>() == 0 && json["successes"]!.GetValue<int>() == Users * 3;
    }

    private static Dictionary<string, string> Fingerprints(string roundLine) =>
        JsonNode.Parse(roundLine)!["fingerprints"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());

    private static ChildProcess Track(List<ChildProcess> processes, ChildProcess process)
    {
        processes.Add(process);
        return process;
    }

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
}
