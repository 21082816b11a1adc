// Load harness: proves (or disproves) the claim that KeycardSentry's token cache, and its Orleans form across app
// instances, turn "one Keycard exchange per Sentry call" into "about one exchange per user". Everything runs in this
// process on 127.0.0.1: a local Keycard zone (with a configurable round-trip latency), a Sentry stand-in, the app
// instances and, for the orleans mode, real silo hosts with localhost clustering (or, with --processes, app instances
// and silos as separate processes clustered through Redis). Prints a Markdown table and the same figures as JSON.
//   dotnet run -c Release --project tests/KeycardSentry.LoadHarness -- --users 200 --calls 20
//   dotnet run -c Release --project tests/KeycardSentry.LoadHarness -- refresh      (refresh ahead under steady load; RefreshRunner)
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using KeycardSentry.LoadHarness;
using KeycardSentry.Testing;

if (args.Length > 0 && args[0] == "refresh")
{
    return await RefreshRunner.RunAsync(args[1..]);
}

if (args.Length == 2 && args[0] == "app")
{
    return await AppProcess.RunChildAsync(args[1]);
}

var options = HarnessOptions.Parse(args, out var error);
if (options is null)
{
    if (error is not null)
    {
        Console.Error.WriteLine("error: " + error);
    }

    Console.Error.WriteLine(HarnessOptions.Usage);
    return error is null ? 0 : 2;
}

// The harness fires many concurrent requests at once; do not let the thread pool's slow ramp-up dominate the numbers.
ThreadPool.GetMinThreads(out var workers, out var io);
ThreadPool.SetMinThreads(Math.Max(workers, options.Concurrency), io);

await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { ExchangeLatency = TimeSpan.FromMilliseconds(options.LatencyMs) });
await using var sentry = await LocalSentryApi.StartAsync(zone);
sentry.ResponseLatency = TimeSpan.FromMilliseconds(options.SentryLatencyMs);

// A small organization carrying its caller's user (a field Sentry does not send: the model keeps it as extension data),
// so every answer can be checked to have come back to the user whose token asked for it, and the figures measure the
// token path rather than the JSON volume of a full generated body.
sentry.Respond(sentry.Operation("GET", "/api/0/organizations/{organization_id_or_slug}/").OperationId, call => new JsonObject
{
    ["slug"] = call.PathParameters["organization_id_or_slug"],
    ["name"] = "Acme",
    ["user"] = call.User,
});

var users = Enumerable.Range(0, options.Users).Select(i => "user" + i.ToString("D5", CultureInfo.InvariantCulture)).ToArray();
var subjects = users.Select(u => zone.MintSubjectToken(u, TimeSpan.FromHours(2))).ToArray();

#if DEBUG
Console.WriteLine("> WARNING: Debug build; run with -c Release for numbers worth quoting.");
#endif
Console.WriteLine(
    $"> {options.Users} users x {options.Calls} calls = {options.Users * options.Calls} GetOrganizationAsync calls per mode, " +
    $"concurrency {options.Concurrency}, {options.Instances} app instances (multi modes), {options.Silos} silos (orleans), " +
    $"Keycard latency {options.LatencyMs} ms, Sentry latency {options.SentryLatencyMs} ms; " +
    (options.Processes ? "multi-instance modes as separate processes (orleans: 2 silo processes on Redis); " : "everything in this process; ") +
    $"{Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC.");
Console.WriteLine();

var results = new List<ModeResult>();
var work = Directory.CreateTempSubdirectory("keycardsentry-harness-");
try
{
    foreach (var mode in options.Modes)
    {
        Console.Error.WriteLine($"running {mode} ...");
        results.Add(options.Processes && mode is "inprocess-multi" or "orleans" or "orleans-no-near"
            ? await AppProcess.RunModeAsync(mode, zone, sentry.BaseUrl, users, subjects, options, work)
            : await RunModeAsync(mode));
    }
}
finally
{
    work.Delete(recursive: true);
}

Console.WriteLine("| mode | instances | users | calls | exchanges at zone | exchanges/user | wall (s) | calls/s | call p50 (ms) | call p99 (ms) | token get p50 (ms) | token get p99 (ms) | CPU/call (µs) | errors |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var r in results)
{
    var calls = r.TimedOut ? $"{r.Completed}/{r.Calls} (timed out)" : r.Calls.ToString(CultureInfo.InvariantCulture);
    var errors = r.WrongUser > 0 ? $"{r.Errors} + {r.WrongUser} wrong user" : r.Errors.ToString(CultureInfo.InvariantCulture);
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"| {r.Mode}{(r.Processes ? " (processes)" : string.Empty)} | {r.Instances} | {r.Users} | {calls} | {r.Exchanges} | {(double)r.Exchanges / r.Users:0.00} | {r.Wall.TotalSeconds:0.00} | " +
        $"{r.CallsPerSecond:0} | {r.P50Ms:0.00} | {r.P99Ms:0.00} | {r.TokenGetP50Ms:0.000} | {r.TokenGetP99Ms:0.000} | {r.CpuMicrosecondsPerCall:0} | {errors} |"));
}

Console.WriteLine();
Console.WriteLine(options.Processes
    ? "> CPU/call sums every process of the mode (this one with the zone and Sentry stand-ins, the app processes, the silo processes); token get = IKeycardTokenProvider.GetTokenAsync as the Sentry handler calls it."
    : "> CPU/call is process-wide (the in-process Kestrel stand-ins and, for orleans, the silos included); token get = IKeycardTokenProvider.GetTokenAsync as the Sentry handler calls it.");
foreach (var r in results.Where(r => r.FirstError is not null))
{
    Console.WriteLine($"> {r.Mode}: first error: {r.FirstError}");
}

var json = new JsonObject
{
    ["harness"] = "load",
    ["users"] = options.Users,
    ["callsPerUser"] = options.Calls,
    ["concurrency"] = options.Concurrency,
    ["instances"] = options.Instances,
    ["silos"] = options.Silos,
    ["keycardLatencyMs"] = options.LatencyMs,
    ["sentryLatencyMs"] = options.SentryLatencyMs,
    ["processes"] = options.Processes,
    ["cores"] = Environment.ProcessorCount,
    ["modes"] = new JsonArray([.. results.Select(r => (JsonNode)r.ToJson())]),
}.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
Console.WriteLine();
Console.WriteLine(json);
if (options.JsonPath is not null)
{
    await File.WriteAllTextAsync(options.JsonPath, json);
}

return results.Any(r => r.Errors > 0 || r.WrongUser > 0 || r.TimedOut) ? 1 : 0;

async Task<ModeResult> RunModeAsync(string mode)
{
    var instances = new List<AppInstance>();
    var tokenGets = new LatencyRecorder((options.Users * options.Calls * 2) + 64);
    var zoneSettings = ZoneSettings.From(zone);
    LocalSiloCluster? cluster = null;
    try
    {
        switch (mode)
        {
            case "naive":
                instances.Add(await AppInstance.StartNaiveAsync(zoneSettings, sentry.BaseUrl, tokenGets));
                break;
            case "inprocess":
                instances.Add(await AppInstance.StartInProcessAsync(zoneSettings, sentry.BaseUrl, tokenGets));
                break;
            case "inprocess-multi":
                for (var i = 0; i < options.Instances; i++)
                {
                    instances.Add(await AppInstance.StartInProcessAsync(zoneSettings, sentry.BaseUrl, tokenGets));
                }

                break;
            case "orleans" or "orleans-no-near":
                cluster = await LocalSiloCluster.StartAsync(zone, options.Silos);
                for (var i = 0; i < options.Instances; i++)
                {
                    instances.Add(await AppInstance.StartOrleansClientAsync(cluster, sentry.BaseUrl, nearCache: mode == "orleans", tokenGets));
                }

                break;
            default:
                throw new InvalidOperationException("unknown mode " + mode);
        }

        return await ModeRunner.RunAsync(mode, instances, tokenGets, zone, users, subjects, options);
    }
    finally
    {
        foreach (var instance in instances)
        {
            await instance.DisposeAsync();
        }

        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
    }
}
