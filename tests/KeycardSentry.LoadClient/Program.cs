// Asks the cluster for a token for every user in a JSON file { "user": "subject token", ... }, several callers per
// user at once, in rounds; prints one JSON line per round and a summary line. It holds no Keycard credentials: the
// silos exchange. Usage:
//   KeycardSentry.LoadClient --users users.json [--calls 5] [--rounds 1] [--until-stopped] [--stop-file path] [--interval-ms 0]
//     [--resource https://sentry.io/api/0] [--scopes "org:read project:read"] [--connect-attempts 5]
//     [--retries 0] [--retry-delay-ms 250]
// With --retries N a failed call is tried again up to N times, after retry-delay-ms doubling each time (at most 8 s), as
// an app's retry policy would; a round counts as failed only the calls that failed after their last retry, and reports
// how many calls needed a retry ("retried") and how many attempts failed ("failedAttempts").
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
    Console.Error.WriteLine("usage: KeycardSentry.LoadClient --users <file.json> [--calls N] [--rounds N] [--until-stopped] [--stop-file path] [--interval-ms N] [--resource uri] [--scopes \"a b\"] [--connect-attempts N] [--retries N] [--retry-delay-ms N]");
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
        var delay = TimeSpan.FromMilliseconds(options.RetryDelayMs);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var token = await provider.GetTokenAsync(new KeycardTokenRequest(subjectToken, options.Resource, options.Scopes));
                result.Success(user, token.Fingerprint, attempt);
                return;
            }
            catch (Exception ex) when (attempt < options.Retries && ex is not KeycardSubjectException)
            {
                // The app's retry policy: a silo that just died fails calls until the cluster has declared it dead.
                result.FailedAttempt();
                await Task.Delay(delay);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 8000));
            }
            catch (Exception ex)
            {
                result.Failure(user, $"{ex.GetType().Name}: {ex.Message}", attempt);
                return;
            }
        }
    }
}

internal sealed record LoadOptions(string UsersFile, int Calls, int Rounds, bool UntilStopped, string? StopFile, string Resource, string[] Scopes, int IntervalMs, int ConnectAttempts, int Retries, int RetryDelayMs)
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
        int calls = 5, rounds = 1, intervalMs = 0, connectAttempts = 5, retries = 0, retryDelayMs = 250;
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
                case "--retries": retries = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--retry-delay-ms": retryDelayMs = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--stop-file": stopFile = Next(); untilStopped = true; break;
                case "--resource": resource = Next(); break;
                case "--scopes": scopes = Next().Split(' ', StringSplitOptions.RemoveEmptyEntries); break;
                default:
                    // Anything else (e.g. --Cluster:Mode=Redis) is configuration for the host builder.
                    break;
            }
        }

        return users is null ? null : new LoadOptions(
            users, Math.Max(1, calls), Math.Max(1, rounds), untilStopped, stopFile, resource, scopes, Math.Max(0, intervalMs), Math.Max(1, connectAttempts),
            Math.Clamp(retries, 0, 100), Math.Clamp(retryDelayMs, 1, 60_000));
    }
}

internal sealed class RoundResult
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, SortedSet<string>> _fingerprints = new(StringComparer.Ordinal);
    private readonly List<string> _errors = [];

    public int Successes { get; private set; }

    public int Failures { get; private set; }

    /// <summary>Calls that needed at least one retry (whether they then succeeded or not).</summary>
    public int Retried { get; private set; }

    /// <summary>Attempts that failed and were retried.</summary>
    public int FailedAttempts { get; private set; }

    public IReadOnlyDictionary<string, SortedSet<string>> Fingerprints => _fingerprints;

    public IReadOnlyList<string> Errors => _errors;

    public void FailedAttempt()
    {
        lock (_lock)
        {
            FailedAttempts++;
        }
    }

    public void Success(string user, string fingerprint, int retries = 0)
    {
        lock (_lock)
        {
            Successes++;
            Retried += retries > 0 ? 1 : 0;
            if (!_fingerprints.TryGetValue(user, out var set))
            {
                _fingerprints[user] = set = new SortedSet<string>(StringComparer.Ordinal);
            }

            set.Add(fingerprint);
        }
    }

    public void Failure(string user, string error, int retries = 0)
    {
        lock (_lock)
        {
            Failures++;
            Retried += retries > 0 ? 1 : 0;
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
        ["retried"] = Retried,
        ["failedAttempts"] = FailedAttempts,
        ["fingerprints"] = new JsonObject(_fingerprints.Select(kv => KeyValuePair.Create<string, JsonNode?>(kv.Key, string.Join(',', kv.Value)))),
        ["errors"] = new JsonArray([.. _errors.Select(e => (JsonNode?)JsonValue.Create(e))]),
    };
}

internal sealed class Totals
{
    private readonly SortedDictionary<string, SortedSet<string>> _fingerprints = new(StringComparer.Ordinal);

    public int Successes { get; private set; }

    public int Failures { get; private set; }

    public int Retried { get; private set; }

    public int FailedAttempts { get; private set; }

    public void Add(RoundResult round)
    {
        Successes += round.Successes;
        Failures += round.Failures;
        Retried += round.Retried;
        FailedAttempts += round.FailedAttempts;
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
        ["retried"] = Retried,
        ["failedAttempts"] = FailedAttempts,
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
