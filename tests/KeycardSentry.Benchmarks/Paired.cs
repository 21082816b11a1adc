using System.Diagnostics;
using System.Globalization;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// Each path and its floor measured in alternating batches (floor, path, path, floor, ...), so both see the same moment of
/// a shared machine; prints the median of the per-round ratios with its interquartile range. The check on
/// BenchmarkDotNet's ratios, whose cases run one after the other:
/// <c>dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- paired [rounds=40] [tokenget|handler|grain|typed]</c>
/// </summary>
internal static class Paired
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 40;
        var only = args.Length > 1 ? args[1] : null;
        bool Wanted(string group) => only is null || group.Contains(only, StringComparison.OrdinalIgnoreCase);
        Console.WriteLine($"> paired: {rounds} rounds of alternating batches per pair; {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine("| path | floor | batch | floor µs/op (median) | path µs/op (median) | ratio (median of rounds) | ratio p25–p75 |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");

        if (Wanted("tokenget"))
        {
            var tokens = new TokenGetBenchmarks();
            tokens.Setup();
            await PairAsync("in-process cached get (JWT)", "SHA-256 + ConcurrentDictionary", 2000, rounds, () => { tokens.Floor(); return Task.CompletedTask; }, () => tokens.InProcessJwt().AsTask());
            tokens.Cleanup();

            var near = new TokenGetBenchmarks();
            near.SetupNearCache();
            var floor = new TokenGetBenchmarks();
            floor.Setup();
            await PairAsync("near-cache hit (Orleans client)", "SHA-256 + ConcurrentDictionary", 2000, rounds, () => { floor.Floor(); return Task.CompletedTask; }, () => near.NearCacheHit().AsTask());
            floor.Cleanup();
            near.Cleanup();
        }

        if (Wanted("handler"))
        {
            var handler = new HandlerBenchmarks();
            handler.Setup();
            await PairAsync("whole call through KeycardTokenHandler (JWT)", "fixed bearer + dictionary by token string", 2000, rounds, handler.FixedBearerDictionaryLookup, handler.HandlerJwtSubject);
            handler.Cleanup();
        }

        if (Wanted("grain"))
        {
            await GrainsAsync(rounds);
        }

        if (Wanted("typed"))
        {
            var typed = new TypedCallBenchmarks();
            typed.Setup();
            await PairAsync("typed Sentry call over loopback", "HttpClient + fixed bearer + JsonSerializer", 50, rounds, typed.HandWritten, typed.Typed);
            if (only is not null)
            {
                await PairAsync("(profiling aid) generated Refit client alone", "HttpClient + fixed bearer + JsonSerializer", 50, rounds, typed.HandWritten, typed.RefitOnly);
                await PairAsync("(profiling aid) SDK with MaxRateLimitRetries = 0", "HttpClient + fixed bearer + JsonSerializer", 50, rounds, typed.HandWritten, typed.TypedNoRetry);
            }

            typed.Cleanup();
        }

        return 0;
    }

    private static async Task GrainsAsync(int rounds)
    {
        var grains = new GrainPathBenchmarks();
        grains.Setup();
        await PairAsync("grain get, client validates (near cache off)", "no-op grain call, same payload", 50, rounds, grains.FloorGrainCall, () => grains.UserGrainValidatedOnClient().AsTask());
        await PairAsync("grain get, via gateway grain (near cache off)", "no-op grain call, same payload", 50, rounds, grains.FloorGrainCall, () => grains.UserGrainThroughGateway().AsTask());
        await PairAsync("grain get x64 callers, client validates", "no-op grain calls x64", 16, rounds, grains.FloorGrainCall64, grains.UserGrainValidatedOnClient64, 64);
        await PairAsync("grain get x64 callers, via gateway grain", "no-op grain calls x64", 16, rounds, grains.FloorGrainCall64, grains.UserGrainThroughGateway64, 64);
        grains.Cleanup();
    }

    private static async Task PairAsync(string name, string floorName, int batch, int rounds, Func<Task> floor, Func<Task> path, int opsPerCall = 1)
    {
        Console.Error.WriteLine($"paired: {name} ...");

        // Warm up for at least WarmUp of alternating batches, not a fixed count: .NET compiles a method first without
        // optimisations and recompiles the hot ones in the background once calls have gone on for a while, so a few
        // thousand calls measure the first tier (with a path of more methods hit harder than its floor).
        var warming = Stopwatch.GetTimestamp();
        for (var i = 0; i < 3 || Stopwatch.GetElapsedTime(warming) < WarmUp; i++)
        {
            await TimeAsync(floor, batch);
            await TimeAsync(path, batch);
        }

        var ratios = new List<double>();
        var floors = new List<double>();
        var paths = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            // Alternate the order so a trend in the machine's load does not favour either side.
            double f, p;
            if (r % 2 == 0)
            {
                f = await TimeAsync(floor, batch);
                p = await TimeAsync(path, batch);
            }
            else
            {
                p = await TimeAsync(path, batch);
                f = await TimeAsync(floor, batch);
            }

            floors.Add(f / batch / opsPerCall);
            paths.Add(p / batch / opsPerCall);
            ratios.Add(p / f);
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {name} | {floorName} | {batch * opsPerCall} | {Quantile(floors, 0.5):0.000} | {Quantile(paths, 0.5):0.000} | **{Quantile(ratios, 0.5):0.00}** | {Quantile(ratios, 0.25):0.00}–{Quantile(ratios, 0.75):0.00} |"));
    }

    private static async Task<double> TimeAsync(Func<Task> body, int batch)
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < batch; i++)
        {
            await body();
        }

        return Stopwatch.GetElapsedTime(started).TotalMicroseconds;
    }

    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
