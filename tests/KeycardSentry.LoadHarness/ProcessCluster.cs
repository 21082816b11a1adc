using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using KeycardSentry.Testing;

namespace KeycardSentry.LoadHarness;

/// <summary>
/// The production shape on one machine: <c>redis-server</c> and two <c>KeycardSentry.Silo</c> processes clustered through
/// it (Redis membership, the silos holding the Keycard credentials); app processes join as Orleans clients with the same
/// <c>Cluster:*</c> settings.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    private readonly List<ChildProcess> _processes = [];

    public IReadOnlyDictionary<string, string?> ClientSettings { get; private set; } = new Dictionary<string, string?>();

    public IReadOnlyList<ChildProcess> Silos => [.. _processes.Where(p => p.Name.StartsWith("silo", StringComparison.Ordinal))];

    public static async Task<ProcessCluster> StartAsync(LocalKeycardZone zone, int silos)
    {
        var redisServer = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "redis-server")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not on PATH (apt-get install -y redis-server): --processes runs the silos clustered through Redis.");
        var siloDll = typeof(ProcessCluster).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SiloDll").Value!;
        if (!File.Exists(siloDll))
        {
            throw new InvalidOperationException($"{siloDll} is missing: build the load harness in the same configuration (it builds the silo).");
        }

        var cluster = new ProcessCluster();
        try
        {
            var redisPort = FreePort();
            var redis = cluster.Track(ChildProcess.Start("redis", redisServer, ["--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]));
            await redis.WaitForLineAsync(l => l.Contains("Ready to accept connections", StringComparison.Ordinal), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            var shared = new Dictionary<string, string?>
            {
                ["Cluster:Mode"] = "Redis",
                ["Cluster:RedisConnectionString"] = "127.0.0.1:" + redisPort.ToString(CultureInfo.InvariantCulture),
                ["Cluster:ClusterId"] = "harness-" + Guid.NewGuid().ToString("N")[..8],
                ["Cluster:ServiceId"] = "keycardsentry-harness",
            };
            cluster.ClientSettings = shared;
            var started = new List<Task>();
            for (var i = 0; i < silos; i++)
            {
                var environment = shared.ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value!);
                environment["Cluster__SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture);
                environment["Cluster__GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture);
                environment["Cluster__AdvertisedIP"] = "127.0.0.1";
                environment["Silo__HttpPort"] = "0";
                environment["Silo__Dashboard"] = "false";
                environment["Keycard__ZoneUrl"] = zone.ZoneUrl.ToString();
                environment["Keycard__ClientId"] = zone.ClientId;
                environment["Keycard__ClientSecret"] = zone.ClientSecret;
                environment["Keycard__SubjectAudience"] = zone.SubjectAudience;
                environment["DOTNET_ENVIRONMENT"] = "Production";
                var silo = cluster.Track(ChildProcess.Start("silo-" + i, "dotnet", [siloDll], environment));
                started.Add(silo.WaitForLineAsync(l => l.StartsWith("KeycardSentry silo HTTP:", StringComparison.Ordinal), TimeSpan.FromSeconds(90)));
            }

            await Task.WhenAll(started).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public TimeSpan SiloCpu => Silos.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Cpu);

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private ChildProcess Track(ChildProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
