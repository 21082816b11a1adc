// Asks the cluster for a token for every user in a JSON file { "user": "subject token", ... }, several callers per
// user at once, in rounds; prints one JSON line per round and a summary line. It holds no Keycard credentials: the
// silos exchange. Usage:
//   KeycardSentry.LoadClient --users users.json [--calls 5] [--rounds 1] [--until-stopped] [--stop-file path] [--interval-ms 0]
//     [--resource https://sentry.io/api/0] [--scopes "org:read project:read"] [--connect-attempts 5]
// Cluster (configuration/environment, read by UseKeycardCluster as in any client app): Cluster__Mode=Localhost|Redis,
//   Cluster__RedisConnectionString, Cluster__ClusterId, Cluster__ServiceId, Cluster__GatewayPort (Localhost mode);
//   TLS as the silos: Cluster__Tls__CertificatePath (PKCS#12 file: on when set), Cluster__Tls__CertificatePassword,
//   Cluster__Tls__TrustedThumbprints, Cluster__Tls__AllowAnyRemoteCertificate, Cluster__Tls__TargetHost.
// Optional client timing (tests set them low to notice a killed silo fast): Cluster__ResponseTimeout (Orleans default
//   00:00:30), Cluster__GatewayListRefreshPeriod (default 00:01:00). Near cache: Keycard__NearCache (default true),
//   Keycard__NearCacheSize, Keycard__NearCacheMaxAge.
// With --until-stopped it keeps running rounds until a line arrives on stdin or the stop file exists.
// Exit codes: 0 done, 2 usage or configuration error, 3 could not connect to the cluster (e.g. TLS refused).
using System.Text.Json;
using System.Text.Json.Nodes;
using KeycardSentry;
using KeycardSentry.Orleans;
using KeycardSentry.Orleans.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

var options = LoadOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: KeycardSentry.LoadClient --users <file.json> [--calls N] [--rounds N] [--until-stopped] [--stop-file path] [--interval-ms N] [--resource uri] [--scopes \"a b\"] [--connect-attempts N]");
    return 2;
}

var users = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(options.UsersFile)) ?? [];
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleansClient(client =>
{
    // Cluster:* and Cluster:Tls:*, the same keys and checks as the silos.
    client.UseKeycardCluster(builder.Configuration);

    // Bounded: a client the gateway refuses (wrong TLS settings, wrong cluster id) gives up instead of retrying forever.
    client.Services.AddSingleton<IClientConnectionRetryFilter>(new BoundedConnectRetries(options.ConnectAttempts));
});

// The one line that routes tokens through the cluster; no Keycard client id or secret here.
builder.Services.AddKeycardOrleansTokenCache();

using var host = builder.Build();
if (StartupConfigurationErrors.Validate(host.Services) is { Count: > 0 } errors)
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"KeycardSentry load client: configuration error: {error}");
    }

    return 2;
}

var tls = host.Services.GetRequiredService<IOptions<KeycardClusterTlsOptions>>().Value;
Console.Error.WriteLine($"KeycardSentry load client: cluster TLS {(tls.IsEnabled ? "on, " + tls.Describe() : "off")}.");
try
{
    await host.StartAsync();
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    Console.Error.WriteLine($"KeycardSentry load client: cannot connect to the cluster after {options.ConnectAttempts} attempt(s): {ex.GetType().Name}: {ex.Message}");
    return 3;
}

var provider = host.Services.GetRequiredService<IKeycardTokenProvider>();
Console.Error.WriteLine($"KeycardSentry load client: near cache {(host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<KeycardOrleansClientOptions>>().Value.NearCache ? "on" : "off")}.");

var stop = new CancellationTokenSource();
if (options.UntilStopped)
{
    _ = Task.Run(async () =>
    {
        await Console.In.ReadLineAsync();
        await stop.CancelAsync();
    });
}

var totals = new Totals();
var round = 0;
do
{
    round++;
    var result = await RunRoundAsync(provider, users, options, round);
    totals.Add(result);
    Console.WriteLine(result.ToJson(round).ToJsonString());
    if (options.StopFile is { } stopFile && File.Exists(stopFile))
    {
        break;
    }

    if (options.IntervalMs > 0 && (options.UntilStopped || round < options.Rounds))
    {
        // Load shaping between rounds (not a wait for a condition): keeps a long run from flooding the machine.
        try
        {
            await Task.Delay(options.IntervalMs, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
while ((options.UntilStopped && !stop.IsCancellationRequested) || (!options.UntilStopped && round < options.Rounds));

Console.WriteLine(totals.ToJson(round).ToJsonString());
await host.StopAsync();
return 0;

static async Task<RoundResult> RunRoundAsync(IKeycardTokenProvider provider, Dictionary<string, string> users, LoadOptions options, int round)
{
    var result = new RoundResult();
    var calls = new List<Task>();
    foreach (var (user, subjectToken) in users)
    {
        for (var i = 0; i < options.Calls; i++)
        {
            calls.Add(CallAsync(user, subjectToken));
        }
    }

    await Task.WhenAll(calls);
    return result;

    async Task CallAsync(string user, string subjectToken)
    {
        try
        {
            var token = await provider.GetTokenAsync(new KeycardTokenRequest(subjectToken, options.Resource, options.Scopes));
            result.Success(user, token.Fingerprint);
        }
        catch (Exception ex)
        {
            result.Failure(user, $"{ex.GetType().Name}: {ex.Message}");
        }
    }
}

internal sealed record LoadOptions(string UsersFile, int Calls, int Rounds, bool UntilStopped, string? StopFile, string Resource, string[] Scopes, int IntervalMs, int ConnectAttempts)
{
    public static LoadOptions? Parse(string[] args)
    {
        try
        {
            return ParseCore(args);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            Console.Error.WriteLine($"KeycardSentry load client: {ex.Message}");
            return null;
        }
    }

    private static LoadOptions? ParseCore(string[] args)
    {
        string? users = null, stopFile = null, resource = "https://sentry.io/api/0";
        string[] scopes = [];
        int calls = 5, rounds = 1, intervalMs = 0, connectAttempts = 5;
        var untilStopped = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--users": users = Next(); break;
                case "--calls": calls = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--until-stopped": untilStopped = true; break;
                case "--interval-ms": intervalMs = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--connect-attempts": connectAttempts = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--stop-file": stopFile = Next(); untilStopped = true; break;
                case "--resource": resource = Next(); break;
                case "--scopes": scopes = Next().Split(' ', StringSplitOptions.RemoveEmptyEntries); break;
                default:
                    // Anything else (e.g. --Cluster:Mode=Redis) is configuration for the host builder.
                    break;
            }
        }

        return users is null ? null : new LoadOptions(users, Math.Max(1, calls), Math.Max(1, rounds), untilStopped, stopFile, resource, scopes, Math.Max(0, intervalMs), Math.Max(1, connectAttempts));
    }
}

internal sealed class RoundResult
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, SortedSet<string>> _fingerprints = new(StringComparer.Ordinal);
    private readonly List<string> _errors = [];

    public int Successes { get; private set; }

    public int Failures { get; private set; }

    public IReadOnlyDictionary<string, SortedSet<string>> Fingerprints => _fingerprints;

    public IReadOnlyList<string> Errors => _errors;

    public void Success(string user, string fingerprint)
    {
        lock (_lock)
        {
            Successes++;
            if (!_fingerprints.TryGetValue(user, out var set))
            {
                _fingerprints[user] = set = new SortedSet<string>(StringComparer.Ordinal);
            }

            set.Add(fingerprint);
        }
    }

    public void Failure(string user, string error)
    {
        lock (_lock)
        {
            Failures++;
            if (_errors.Count < 5)
            {
                _errors.Add($"{user}: {error}");
            }
        }
    }

    public JsonObject ToJson(int round) => new()
    {
        ["round"] = round,
        ["successes"] = Successes,
        ["failures"] = Failures,
        ["fingerprints"] = new JsonObject(_fingerprints.Select(kv => KeyValuePair.Create<string, JsonNode?>(kv.Key, string.Join(',', kv.Value)))),
        ["errors"] = new JsonArray([.. _errors.Select(e => (JsonNode?)JsonValue.Create(e))]),
    };
}

internal sealed class Totals
{
    private readonly SortedDictionary<string, SortedSet<string>> _fingerprints = new(StringComparer.Ordinal);

    public int Successes { get; private set; }

    public int Failures { get; private set; }

    public void Add(RoundResult round)
    {
        Successes += round.Successes;
        Failures += round.Failures;
        foreach (var (user, fingerprints) in round.Fingerprints)
        {
            if (!_fingerprints.TryGetValue(user, out var set))
            {
                _fingerprints[user] = set = new SortedSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(fingerprints);
        }
    }

    public JsonObject ToJson(int rounds) => new()
    {
        ["summary"] = true,
        ["rounds"] = rounds,
        ["successes"] = Successes,
        ["failures"] = Failures,
        ["fingerprints"] = new JsonObject(_fingerprints.Select(kv => KeyValuePair.Create<string, JsonNode?>(kv.Key, string.Join(',', kv.Value)))),
    };
}

/// <summary>Lets the client retry connecting a fixed number of times in all.</summary>
internal sealed class BoundedConnectRetries(int attempts) : IClientConnectionRetryFilter
{
    private int _failed;

    public Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken) =>
        Task.FromResult(Interlocked.Increment(ref _failed) < attempts);
}
