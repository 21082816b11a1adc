// Memory per cached user in a silo, beside its floor: a silo process holding N users with one cached token each
// (exchanged through the user token grains, subject tokens validated as in production), against the same silo holding
// N no-op grain activations with keys of the same form. Each figure is (after - before) / N of one fresh silo process:
// the live managed heap after a full compacting collection, and the working set. "Before" is taken after a warm-up of
// the same kind (WarmUpUsers users or grains), so code loaded and compiled on first use, thread pools and the GC's
// budgets, which are paid once whatever the number of users, are not divided among the N; the warm-up's own cost is
// printed beside as the one-time cost.
//   dotnet run -c Release --project tests/KeycardSentry.MemoryHarness -- [--users 10000,100000] [--json path]
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KeycardSentry;
using KeycardSentry.MemoryHarness;
using KeycardSentry.Testing;

if (args.Length > 0 && args[0] == "silo")
{
    return await SiloProcess.RunAsync();
}

var counts = new List<int> { 10_000, 100_000 };
string? jsonPath = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--users" when i + 1 < args.Length:
            counts = [.. args[++i].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
            if (counts.Any(c => c is < 100 or > 1_000_000))
            {
                Console.Error.WriteLine("--users: each count from 100 to 1 000 000");
                return 2;
            }

            break;
        case "--json" when i + 1 < args.Length:
            jsonPath = args[++i];
            break;
        default:
            Console.Error.WriteLine("usage: KeycardSentry.MemoryHarness [--users 10000,100000] [--json path]");
            return 2;
    }
}

#if DEBUG
Console.WriteLine("> WARNING: Debug build; run with -c Release for numbers worth quoting.");
#endif
await using var zone = await LocalKeycardZone.StartAsync();
var minted = new List<string>();
var results = new JsonArray();
Console.WriteLine($"> silo process: workstation non-concurrent GC, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}; default Keycard options (validation cache 10 000, grain idle 15 min)");
Console.WriteLine("| users | floor: no-op grains, heap B/user | cached users, heap B/user | above floor | floor: working set B/user | cached users: working set B/user | above floor | one-time working set: no-op grains / cached users (warm-up of " + WarmUpUsers + ") |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var count in counts)
{
    // Subject tokens are minted once (RSA signatures take a while) and reused for the larger runs.
    if (minted.Count < WarmUpUsers + count)
    {
        Console.Error.WriteLine($"minting {WarmUpUsers + count - minted.Count} subject tokens ...");
        var more = new string[WarmUpUsers + count - minted.Count];
        var offset = minted.Count;
        Parallel.For(0, more.Length, i => more[i] = zone.MintSubjectToken("mem-user" + (offset + i).ToString("D7", CultureInfo.InvariantCulture), TimeSpan.FromHours(6)));
        minted.AddRange(more);
    }

    Console.Error.WriteLine($"{count} no-op grains ...");
    var floor = await MeasureAsync(zone, count, async (silo, from, n) =>
    {
        var keys = Enumerable.Range(from, n).Select(i => "jwt:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("floor" + i)))).ToArray();
        await silo.ForEachAsync(n, i => silo.Client.GetGrain<IMemoryFloorGrain>(keys[i]).PingAsync());
    });
    Console.Error.WriteLine($"{count} cached users ...");
    var cached = await MeasureAsync(zone, count, async (silo, from, n) =>
    {
        var tokens = silo.Tokens;
        var exchanges = zone.TotalExchanges;
        await silo.ForEachAsync(n, async i => await tokens.GetTokenAsync(new KeycardTokenRequest(minted[from + i], "https://sentry.io/api/0", ["org:read"])));
        if (zone.TotalExchanges - exchanges < n)
        {
            throw new InvalidOperationException($"only {zone.TotalExchanges - exchanges} exchanges for {n} users");
        }
    });

    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"| {count:N0} | {floor.Heap:0} | {cached.Heap:0} | **{cached.Heap - floor.Heap:0}** | {floor.WorkingSet:0} | {cached.WorkingSet:0} | **{cached.WorkingSet - floor.WorkingSet:0}** | {floor.WarmUpWorkingSet / 1e6:0.0} MB / {cached.WarmUpWorkingSet / 1e6:0.0} MB |"));
    results.Add(new JsonObject
    {
        ["users"] = count,
        ["floorHeapBytesPerUser"] = Math.Round(floor.Heap),
        ["cachedHeapBytesPerUser"] = Math.Round(cached.Heap),
        ["heapAboveFloorBytesPerUser"] = Math.Round(cached.Heap - floor.Heap),
        ["floorWorkingSetBytesPerUser"] = Math.Round(floor.WorkingSet),
        ["cachedWorkingSetBytesPerUser"] = Math.Round(cached.WorkingSet),
        ["workingSetAboveFloorBytesPerUser"] = Math.Round(cached.WorkingSet - floor.WorkingSet),
        ["warmUpUsers"] = WarmUpUsers,
        ["floorWarmUpWorkingSetBytes"] = floor.WarmUpWorkingSet,
        ["cachedWarmUpWorkingSetBytes"] = cached.WarmUpWorkingSet,
    });
}

var json = new JsonObject { ["goalBytesAboveFloor"] = 2048, ["runs"] = results }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
Console.WriteLine();
Console.WriteLine(json);
if (jsonPath is not null)
{
    await File.WriteAllTextAsync(jsonPath, json);
}

return 0;

static async Task<Measured> MeasureAsync(LocalKeycardZone zone, int count, Func<SiloUnderTest, int, int, Task> fill)
{
    await using var silo = await SiloUnderTest.StartAsync(zone);
    var started = await silo.MeasureAsync();
    await fill(silo, 0, WarmUpUsers);
    var before = await silo.MeasureAsync();
    var stopwatch = Stopwatch.StartNew();
    await fill(silo, WarmUpUsers, count);
    var after = await silo.MeasureAsync();
    Console.Error.WriteLine($"  filled in {stopwatch.Elapsed.TotalSeconds:0} s; heap {started.Heap / 1e6:0.0} -> {before.Heap / 1e6:0.0} (warm) -> {after.Heap / 1e6:0.0} MB, working set {started.WorkingSet / 1e6:0.0} -> {before.WorkingSet / 1e6:0.0} (warm) -> {after.WorkingSet / 1e6:0.0} MB");
    return new(
        (double)(after.Heap - before.Heap) / count,
        (double)(after.WorkingSet - before.WorkingSet) / count,
        before.WorkingSet - started.WorkingSet);
}

/// <summary>Per user above the warm silo, and what the warm-up itself added to the working set (paid once).</summary>
internal readonly record struct Measured(double Heap, double WorkingSet, long WarmUpWorkingSet);

/// <summary>Names the harness's constants.</summary>
internal static partial class Program
{
    /// <summary>Users (or no-op grains) filled before the "before" figure: enough to have run every path once.</summary>
    public const int WarmUpUsers = 500;
}
