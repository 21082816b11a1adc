// Memory per cached user in a silo, beside its floor: a silo process holding N users with one cached token each
// (exchanged through the user token grains, subject tokens validated as in production), against the same silo holding
// N no-op grain activations with keys of the same form. Each figure is (after - before) / N of one fresh silo process:
// the live managed heap after a full compacting collection, and the working set.
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
Console.WriteLine("| users | floor: no-op grains, heap B/user | cached users, heap B/user | above floor | floor: working set B/user | cached users: working set B/user | above floor |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var count in counts)
{
    // Subject tokens are minted once (RSA signatures take a while) and reused for the larger runs.
    if (minted.Count < count)
    {
        Console.Error.WriteLine($"minting {count - minted.Count} subject tokens ...");
        var more = new string[count - minted.Count];
        var offset = minted.Count;
        Parallel.For(0, more.Length, i => more[i] = zone.MintSubjectToken("mem-user" + (offset + i).ToString("D7", CultureInfo.InvariantCulture), TimeSpan.FromHours(6)));
        minted.AddRange(more);
    }

    Console.Error.WriteLine($"{count} no-op grains ...");
    var floor = await MeasureAsync(zone, count, async silo =>
    {
        var keys = Enumerable.Range(0, count).Select(i => "jwt:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("floor" + i)))).ToArray();
        await silo.ForEachAsync(count, i => silo.Client.GetGrain<IMemoryFloorGrain>(keys[i]).PingAsync());
    });
    Console.Error.WriteLine($"{count} cached users ...");
    var cached = await MeasureAsync(zone, count, async silo =>
    {
        var tokens = silo.Tokens;
        await silo.ForEachAsync(count, async i => await tokens.GetTokenAsync(new KeycardTokenRequest(minted[i], "https://sentry.io/api/0", ["org:read"])));
        if (zone.TotalExchanges < count)
        {
            throw new InvalidOperationException($"only {zone.TotalExchanges} exchanges for {count} users");
        }
    });

    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"| {count:N0} | {floor.Heap:0} | {cached.Heap:0} | **{cached.Heap - floor.Heap:0}** | {floor.WorkingSet:0} | {cached.WorkingSet:0} | {cached.WorkingSet - floor.WorkingSet:0} |"));
    results.Add(new JsonObject
    {
        ["users"] = count,
        ["floorHeapBytesPerUser"] = Math.Round(floor.Heap),
        ["cachedHeapBytesPerUser"] = Math.Round(cached.Heap),
        ["heapAboveFloorBytesPerUser"] = Math.Round(cached.Heap - floor.Heap),
        ["floorWorkingSetBytesPerUser"] = Math.Round(floor.WorkingSet),
        ["cachedWorkingSetBytesPerUser"] = Math.Round(cached.WorkingSet),
        ["workingSetAboveFloorBytesPerUser"] = Math.Round(cached.WorkingSet - floor.WorkingSet),
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

static async Task<(double Heap, double WorkingSet)> MeasureAsync(LocalKeycardZone zone, int count, Func<SiloUnderTest, Task> fill)
{
    await using var silo = await SiloUnderTest.StartAsync(zone);
    var before = await silo.MeasureAsync();
    var started = Stopwatch.StartNew();
    await fill(silo);
    var after = await silo.MeasureAsync();
    Console.Error.WriteLine($"  filled in {started.Elapsed.TotalSeconds:0} s; heap {before.Heap / 1e6:0.0} -> {after.Heap / 1e6:0.0} MB, working set {before.WorkingSet / 1e6:0.0} -> {after.WorkingSet / 1e6:0.0} MB");
    return ((double)(after.Heap - before.Heap) / count, (double)(after.WorkingSet - before.WorkingSet) / count);
}
