using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using KeycardSentry.Testing;

namespace KeycardSentry.LoadHarness;

/// <summary>What one app process is told to do (written to a file the process reads).</summary>
internal sealed record AppJob(
    string Mode,
    string Sentry,
    ZoneSettings Zone,
    Dictionary<string, string?> Cluster,
    string WarmupSubject,
    string[] Users,
    string[] Subjects,
    int[] Calls,
    int Concurrency,
    int MaxSeconds);

/// <summary>
/// App instances as separate processes (<c>--processes</c>): this harness started again in <c>app</c> mode, one process per
/// instance. Each builds its instance (in-process cache, or an Orleans client of the Redis-clustered silo processes),
/// warms up, prints <c>ready</c>, waits for <c>go</c>, runs its share of the calls and prints one <c>result</c> line.
/// </summary>
internal static class AppProcess
{
    public static async Task<int> RunChildAsync(string jobPath)
    {
        var job = JsonSerializer.Deserialize<AppJob>(await File.ReadAllTextAsync(jobPath))!;
        var sentry = new Uri(job.Sentry);
        var tokenGets = new LatencyRecorder((job.Calls.Length * 2) + 16);
        await using var instance = job.Mode switch
        {
            "inprocess-multi" => await AppInstance.StartInProcessAsync(job.Zone, sentry, tokenGets),
            "orleans" or "orleans-no-near" => await AppInstance.StartOrleansClientAsync(job.Cluster, sentry, nearCache: job.Mode == "orleans", tokenGets),
            _ => throw new InvalidOperationException("no app process for mode " + job.Mode),
        };
        using (KeycardSubject.Use(job.WarmupSubject))
        {
            await instance.Organizations.GetOrganizationAsync("acme");
        }

        var calls = job.Calls.Select(u => (instance.Organizations, job.Subjects[u], job.Users[u])).ToList();
        Console.WriteLine("ready");
        while (await Console.In.ReadLineAsync() is { } line && line != "go")
        {
        }

        GC.Collect();
        tokenGets.Reset();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var outcome = await ModeRunner.RunCallsAsync(calls, job.Concurrency, TimeSpan.FromSeconds(job.MaxSeconds));
        var result = new JsonObject
        {
            ["latencies"] = new JsonArray([.. outcome.Latencies.Select(l => (JsonNode?)JsonValue.Create(double.IsNaN(l) ? -1 : Math.Round(l, 4)))]),
            ["tokenGets"] = new JsonArray([.. tokenGets.Sorted().Select(l => (JsonNode?)JsonValue.Create(Math.Round(l, 5)))]),
            ["errors"] = outcome.Errors,
            ["wrongUser"] = outcome.WrongUser,
            ["timedOut"] = outcome.TimedOut,
            ["firstError"] = outcome.FirstError,
            ["cpuMicroseconds"] = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds,
        };
        Console.WriteLine("result " + result.ToJsonString());
        return 0;
    }

    /// <summary>
    /// Runs a multi-instance mode with each instance in its own process; CPU per call sums the app processes, the silo
    /// processes and this process (the zone and Sentry stand-ins).
    /// </summary>
    public static async Task<ModeResult> RunModeAsync(
        string mode, LocalKeycardZone zone, Uri sentry, IReadOnlyList<string> users, IReadOnlyList<string> subjects, HarnessOptions options, DirectoryInfo work)
    {
        await using var cluster = mode.StartsWith("orleans", StringComparison.Ordinal) ? await ProcessCluster.StartAsync(zone, options.Silos) : null;
        var total = users.Count * options.Calls;
        var route = ModeRunner.Route(total, options.Instances);
        var apps = new List<ChildProcess>();
        try
        {
            for (var k = 0; k < options.Instances; k++)
            {
                var job = new AppJob(
                    mode,
                    sentry.ToString(),
                    ZoneSettings.From(zone),
                    cluster is null ? [] : new Dictionary<string, string?>(cluster.ClientSettings),
                    zone.MintSubjectToken($"warmup-{mode}-{k}"),
                    [.. users],
                    [.. subjects],
                    [.. Enumerable.Range(0, total).Where(i => route[i] == k).Select(i => i % users.Count)],
                    Math.Max(1, options.Concurrency / options.Instances),
                    options.MaxSecondsPerMode);
                var path = Path.Combine(work.FullName, $"{mode}-{k}.json");
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(job));
                apps.Add(ChildProcess.Start($"app-{k}", "dotnet", [typeof(AppProcess).Assembly.Location, "app", path]));
            }

            await Task.WhenAll(apps.Select(a => a.WaitForLineAsync(l => l == "ready", TimeSpan.FromSeconds(120))));
            var exchangesBefore = zone.TotalExchanges;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime + (cluster?.SiloCpu ?? TimeSpan.Zero);
            var started = Stopwatch.GetTimestamp();
            foreach (var app in apps)
            {
                await app.WriteLineAsync("go");
            }

            var bound = TimeSpan.FromSeconds(options.MaxSecondsPerMode + 60);
            var lines = await Task.WhenAll(apps.Select(a => a.WaitForLineAsync(l => l.StartsWith("result ", StringComparison.Ordinal), bound)));
            var wall = Stopwatch.GetElapsedTime(started);
            var results = lines.Select(l => JsonNode.Parse(l["result ".Length..])!).ToList();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime + (cluster?.SiloCpu ?? TimeSpan.Zero) - cpuBefore
                + TimeSpan.FromMicroseconds(results.Sum(r => (double)r["cpuMicroseconds"]!));
            var latencies = results.SelectMany(r => r["latencies"]!.AsArray().Select(v => (double)v! < 0 ? double.NaN : (double)v!)).ToArray();
            var outcome = new CallOutcome(
                latencies,
                results.Sum(r => (int)r["errors"]!),
                results.Sum(r => (int)r["wrongUser"]!),
                results.Any(r => (bool)r["timedOut"]!),
                results.Select(r => (string?)r["firstError"]).FirstOrDefault(e => e is not null));
            var tokenGets = results.SelectMany(r => r["tokenGets"]!.AsArray().Select(v => (double)v!)).Order().ToArray();
            return ModeRunner.Result(
                mode, processes: true, options.Instances, users.Count, total, zone.TotalExchanges - exchangesBefore, wall, outcome, tokenGets, allocated: null, cpu);
        }
        finally
        {
            foreach (var app in apps)
            {
                await app.DisposeAsync();
            }
        }
    }
}
