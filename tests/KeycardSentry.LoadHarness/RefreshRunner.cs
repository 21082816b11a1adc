using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using KeycardSentry.Testing;

namespace KeycardSentry.LoadHarness;

/// <summary>
/// Refresh ahead, measured: a steady load of token gets through the Orleans provider (an Orleans client app, two silos)
/// across several token lifetimes, with short lifetimes at the local zone and the refresh options scaled to them. After a
/// warm-up lifetime it counts the gets that waited for an exchange or a refresh (the grains' <c>keycard.grain.fetches</c>:
/// a call the grain could not answer from its table), and compares the token-get p99 in windows around each refresh and
/// each token's expiry with the p99 outside them.
/// <code>dotnet run -c Release --project tests/KeycardSentry.LoadHarness -- refresh [--users 100] [--lifetime-s 15] [--lifetimes 5]</code>
/// </summary>
internal static class RefreshRunner
{
    private const string Resource = "https://sentry.io/api/0";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = RefreshOptions.Parse(args, out var error);
        if (options is null)
        {
            Console.Error.WriteLine((error is null ? string.Empty : "error: " + error + "\n") + RefreshOptions.Usage);
            return error is null ? 0 : 2;
        }

        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, options.Workers * 2), io);
#if DEBUG
        Console.WriteLine("> WARNING: Debug build; run with -c Release for numbers worth quoting.");
#endif
        var lifetime = TimeSpan.FromSeconds(options.LifetimeSeconds);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"> refresh ahead: {options.Users} users, {options.Rate} token gets/s from {options.Workers} callers, access tokens live {lifetime.TotalSeconds:0} s " +
            $"(Keycard:ExpirySkew {Skew(lifetime).TotalSeconds:0.#} s, Keycard:RefreshAhead {Ahead(lifetime).TotalSeconds:0.#} s), Keycard answers in {options.LatencyMs} ms; " +
            $"1 warm-up lifetime, then {options.Lifetimes} measured; windows ±{options.WindowMs} ms around each refresh and expiry; {Environment.ProcessorCount} cores."));
        var results = new List<JsonObject>();
        foreach (var near in options.Modes)
        {
            Console.Error.WriteLine($"running refresh, near cache {(near ? "on" : "off")} ...");
            results.Add(await RunModeAsync(options, near, lifetime));
        }

        Console.WriteLine();
        Console.WriteLine("| near cache | gets measured | errors | gets that waited for Keycard | near-cache misses (a grain call on the caller's path) | gets ≥ Keycard latency | exchanges + refreshes | p50 in windows (ms) | p99 in windows (ms) | p99 outside (ms) | p99 ratio | max (ms) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {r["nearCache"]} | {r["gets"]} | {r["errors"]} | **{r["waitedForKeycard"]}** | {r["nearCacheMisses"]?.ToString() ?? "-"} | {r["atLeastKeycardLatency"]} | {r["zoneRequests"]} | " +
                $"{(double)r["inWindows"]!["p50Ms"]!:0.000} | {(double)r["inWindows"]!["p99Ms"]!:0.000} | {(double)r["outside"]!["p99Ms"]!:0.000} | **{(double)r["p99Ratio"]!:0.00}** | {(double)r["maxMs"]!:0.0} |"));
        }

        var json = new JsonObject
        {
            ["scenario"] = "refresh",
            ["users"] = options.Users,
            ["rate"] = options.Rate,
            ["lifetimeSeconds"] = options.LifetimeSeconds,
            ["measuredLifetimes"] = options.Lifetimes,
            ["keycardLatencyMs"] = options.LatencyMs,
            ["windowMs"] = options.WindowMs,
            ["modes"] = new JsonArray([.. results]),
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        Console.WriteLine();
        Console.WriteLine(json);
        if (options.JsonPath is not null)
        {
            await File.WriteAllTextAsync(options.JsonPath, json);
        }

        return results.Any(r => (int)r["errors"]! > 0) ? 1 : 0;
    }

    private static TimeSpan Skew(TimeSpan lifetime) => lifetime / 10;

    private static TimeSpan Ahead(TimeSpan lifetime) => lifetime / 4;

    private static async Task<JsonObject> RunModeAsync(RefreshOptions options, bool near, TimeSpan lifetime)
    {
        var clock = Stopwatch.StartNew();
        var zero = DateTimeOffset.UtcNow;
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions
        {
            AccessTokenLifetime = lifetime,
            SubjectTokenLifetime = TimeSpan.FromHours(4),
            ExchangeLatency = TimeSpan.FromMilliseconds(options.LatencyMs),
        });

        // Every token request the zone answers, stamped when its answer is about to go out.
        var answered = new ConcurrentQueue<double>();
        zone.FaultHook = _ =>
        {
            answered.Enqueue(clock.Elapsed.TotalMilliseconds);
            return null;
        };
        await using var cluster = await LocalSiloCluster.StartAsync(zone, options.Silos, o => (o.ExpirySkew, o.RefreshAhead) = (Skew(lifetime), Ahead(lifetime)));
        await using var app = await AppInstance.StartOrleansClientAsync(cluster, new Uri("http://127.0.0.1:9"), near);
        var tokens = app.Tokens;
        var requests = Enumerable.Range(0, options.Users)
            .Select(i => new KeycardTokenRequest(zone.MintSubjectToken("refresh-user" + i.ToString("D5", CultureInfo.InvariantCulture)), Resource, ["org:read"]))
            .ToArray();

        // The grains count a call they could not answer from their table (it waited for an exchange or shared one).
        var measureFrom = double.MaxValue;
        long waited = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "KeycardSentry.Orleans" && instrument.Name is "keycard.grain.fetches" or "keycard.near_cache.misses")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        // With the near cache on, its misses after the warm-up are the gets that became a grain call on the caller's path.
        long nearMisses = 0;
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (clock.Elapsed.TotalMilliseconds >= Volatile.Read(ref measureFrom))
            {
                Interlocked.Add(ref instrument.Name == "keycard.grain.fetches" ? ref waited : ref nearMisses, value);
            }
        });
        listener.Start();

        // Every user's first exchange, then one lifetime of load as warm-up, then the measured lifetimes.
        await Task.WhenAll(requests.Select(r => tokens.GetTokenAsync(r).AsTask()));
        var warmEnd = clock.Elapsed.TotalMilliseconds + lifetime.TotalMilliseconds;
        Volatile.Write(ref measureFrom, warmEnd);
        var end = warmEnd + (options.Lifetimes * lifetime.TotalMilliseconds);
        var samples = new ConcurrentBag<List<(double Start, double Latency)>>();
        var errors = 0;
        string? firstError = null;
        var interval = TimeSpan.FromSeconds((double)options.Workers / options.Rate);
        await Task.WhenAll(Enumerable.Range(0, options.Workers).Select(w => Task.Run(async () =>
        {
            var mine = new List<(double, double)>();
            samples.Add(mine);
            var next = clock.Elapsed;
            for (var k = 0; clock.Elapsed.TotalMilliseconds < end; k++)
            {
                var request = requests[(w + (k * options.Workers)) % requests.Length];
                var started = clock.Elapsed.TotalMilliseconds;
                try
                {
                    await tokens.GetTokenAsync(request);
                }
                catch (Exception ex)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
                }

                var latency = clock.Elapsed.TotalMilliseconds - started;
                if (started >= warmEnd)
                {
                    mine.Add((started, latency));
                }

                // Steady pacing: each caller keeps its share of the rate (never a burst to catch up).
                next += interval;
                var delay = next - clock.Elapsed;
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay);
                }
                else
                {
                    next = clock.Elapsed;
                }
            }
        })));

        // Windows: around each answered token request (from its start, Keycard's latency before the answer) and around
        // each issued token's end of service (expires_at - skew) and expiry.
        var windows = new List<(double From, double To)>();
        foreach (var at in answered)
        {
            windows.Add((at - options.LatencyMs - options.WindowMs, at + options.WindowMs));
        }

        foreach (var token in zone.AllIssuedTokens)
        {
            if (zone.TryResolveAccessToken(token, out var info))
            {
                var expiry = (info.ExpiresAt - zero).TotalMilliseconds;
                var servedUntil = expiry - Skew(lifetime).TotalMilliseconds;
                windows.Add((servedUntil - options.WindowMs, servedUntil + options.WindowMs));
                windows.Add((expiry - options.WindowMs, expiry + options.WindowMs));
            }
        }

        var merged = Merge(windows);
        var all = samples.SelectMany(s => s).ToList();
        var inside = all.Where(s => Covered(merged, s.Start)).Select(s => s.Latency).Order().ToArray();
        var outside = all.Where(s => !Covered(merged, s.Start)).Select(s => s.Latency).Order().ToArray();
        var zoneRequests = answered.Count(at => at >= warmEnd);
        var result = new JsonObject
        {
            ["nearCache"] = near ? "on" : "off",
            ["gets"] = all.Count,
            ["errors"] = errors,
            ["firstError"] = firstError,
            ["waitedForKeycard"] = Interlocked.Read(ref waited),
            ["nearCacheMisses"] = near ? Interlocked.Read(ref nearMisses) : null,
            ["atLeastKeycardLatency"] = all.Count(s => s.Latency >= options.LatencyMs),
            ["zoneRequests"] = zoneRequests,
            ["zoneRequestsPerUserPerLifetime"] = Math.Round((double)zoneRequests / options.Users / options.Lifetimes, 2),
            ["windowsCoverPercent"] = Math.Round(100.0 * merged.Where(w => w.To > warmEnd && w.From < end).Sum(w => Math.Min(w.To, end) - Math.Max(w.From, warmEnd)) / (end - warmEnd), 1),
            ["inWindows"] = Stats(inside),
            ["outside"] = Stats(outside),
            ["p99Ratio"] = outside.Length == 0 || inside.Length == 0 ? 0 : Math.Round(Percentile(inside, 0.99) / Percentile(outside, 0.99), 2),
            ["maxMs"] = all.Count == 0 ? 0 : Math.Round(all.Max(s => s.Latency), 3),
        };
        return result;
    }

    private static JsonObject Stats(double[] sorted) => new()
    {
        ["gets"] = sorted.Length,
        ["p50Ms"] = Math.Round(Percentile(sorted, 0.50), 4),
        ["p99Ms"] = Math.Round(Percentile(sorted, 0.99), 4),
    };

    private static List<(double From, double To)> Merge(List<(double From, double To)> windows)
    {
        var merged = new List<(double From, double To)>();
        foreach (var w in windows.OrderBy(w => w.From))
        {
            if (merged.Count > 0 && w.From <= merged[^1].To)
            {
                merged[^1] = (merged[^1].From, Math.Max(merged[^1].To, w.To));
            }
            else
            {
                merged.Add(w);
            }
        }

        return merged;
    }

    private static bool Covered(List<(double From, double To)> merged, double at)
    {
        int lo = 0, hi = merged.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (at < merged[mid].From)
            {
                hi = mid - 1;
            }
            else if (at > merged[mid].To)
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private sealed class RefreshOptions
    {
        public const string Usage =
            "usage: KeycardSentry.LoadHarness refresh [--users 100] [--rate 1000] [--workers 16] [--lifetime-s 15] [--lifetimes 5]\n" +
            "         [--latency-ms 50] [--window-ms 1000] [--silos 2] [--modes near,no-near] [--json path]\n" +
            "  A steady load of rate token gets/s for users through the Orleans provider, for 1 + lifetimes token lifetimes per mode.";

        public int Users { get; private set; } = 100;

        public int Rate { get; private set; } = 1000;

        public int Workers { get; private set; } = 16;

        public int LifetimeSeconds { get; private set; } = 15;

        public int Lifetimes { get; private set; } = 5;

        public int LatencyMs { get; private set; } = 50;

        public int WindowMs { get; private set; } = 1000;

        public int Silos { get; private set; } = 2;

        public bool[] Modes { get; private set; } = [true, false];

        public string? JsonPath { get; private set; }

        public static RefreshOptions? Parse(string[] args, out string? error)
        {
            var o = new RefreshOptions();
            error = null;
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] is "-h" or "--help")
                {
                    return null;
                }

                if (i + 1 >= args.Length)
                {
                    error = $"{args[i]} needs a value";
                    return null;
                }

                var value = args[++i];
                switch (args[i - 1])
                {
                    case "--users": o.Users = Int(value, 1, 100_000, ref error); break;
                    case "--rate": o.Rate = Int(value, 1, 1_000_000, ref error); break;
                    case "--workers": o.Workers = Int(value, 1, 1_024, ref error); break;
                    case "--lifetime-s": o.LifetimeSeconds = Int(value, 12, 3_600, ref error); break;
                    case "--lifetimes": o.Lifetimes = Int(value, 1, 100, ref error); break;
                    case "--latency-ms": o.LatencyMs = Int(value, 1, 10_000, ref error); break;
                    case "--window-ms": o.WindowMs = Int(value, 0, 60_000, ref error); break;
                    case "--silos": o.Silos = Int(value, 1, 8, ref error); break;
                    case "--json": o.JsonPath = value; break;
                    case "--modes":
                        var modes = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                        if (modes.Length == 0 || modes.Any(m => m is not ("near" or "no-near")))
                        {
                            error = "--modes: use near, no-near or both";
                        }

                        o.Modes = [.. modes.Select(m => m == "near")];
                        break;
                    default:
                        error = $"unknown option {args[i - 1]}";
                        break;
                }

                if (error is not null)
                {
                    return null;
                }
            }

            return o;
        }

        private static int Int(string value, int min, int max, ref string? error)
        {
            if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max)
            {
                return parsed;
            }

            error = $"expected an integer from {min} to {max} (got '{value}')";
            return 0;
        }
    }
}
