using System.Diagnostics;
using System.Globalization;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// Runs one benchmark's body in a loop with its setup, outside BenchmarkDotNet, so a profiler can watch it:
/// <c>DOTNET_PerfMapEnabled=1 perf record -g -e cpu-clock dotnet bin/Release/net10.0/KeycardSentry.Benchmarks.dll profile handler 20</c>
/// (sampling with JIT symbols), or under <c>valgrind --tool=callgrind</c> with an operation count (instructions per
/// operation, repeatable on a busy machine: run with two counts and divide the difference). With
/// <c>PROFILE_ALLOCATIONS=1</c> it also prints the estimated bytes per operation by allocated type.
/// </summary>
internal static class Profile
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length is < 1 or > 3)
        {
            Console.Error.WriteLine("usage: profile <floor-get|inprocess|near|handler-floor|handler|grain-floor|grain|grain-gateway|grain64-floor|grain64|grain64-direct|typed-floor|typed|typed-refit> [seconds=10] [--ops N]");
            return 2;
        }

        var seconds = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var ops = args.Length > 2 ? long.Parse(args[2], CultureInfo.InvariantCulture) : long.MaxValue;
        Func<Task> body;
        Action cleanup;
        switch (args[0])
        {
            case "floor-get" or "inprocess":
            {
                var b = new TokenGetBenchmarks();
                b.Setup();
                body = args[0] == "floor-get" ? () => { b.Floor(); return Task.CompletedTask; } : () => b.InProcessJwt().AsTask();
                cleanup = b.Cleanup;
                break;
            }

            case "near":
            {
                var b = new TokenGetBenchmarks();
                b.SetupNearCache();
                body = () => b.NearCacheHit().AsTask();
                cleanup = b.Cleanup;
                break;
            }

            case "handler-floor" or "handler":
            {
                var b = new HandlerBenchmarks();
                b.Setup();
                body = args[0] == "handler" ? b.HandlerJwtSubject : b.FixedBearerDictionaryLookup;
                cleanup = b.Cleanup;
                break;
            }

            case "grain-floor" or "grain" or "grain-gateway" or "grain64-floor" or "grain64" or "grain64-direct":
            {
                var b = new GrainPathBenchmarks();
                b.Setup();
                body = args[0] switch
                {
                    "grain-floor" => b.FloorGrainCall,
                    "grain" => () => b.UserGrainValidatedOnClient().AsTask(),
                    "grain64-floor" => b.FloorGrainCall64,
                    "grain64" => b.UserGrainValidatedOnClient64,
                    "grain64-direct" => b.UserGrainDirect64,
                    _ => () => b.UserGrainThroughGateway().AsTask(),
                };
                cleanup = b.Cleanup;
                break;
            }

            case "typed-floor" or "typed" or "typed-refit":
            {
                var b = new TypedCallBenchmarks();
                b.Setup();
                body = args[0] switch { "typed" => b.Typed, "typed-refit" => b.RefitOnly, _ => b.HandWritten };
                cleanup = b.Cleanup;
                break;
            }

            default:
                Console.Error.WriteLine("unknown case " + args[0]);
                return 2;
        }

        for (var i = 0; i < 1000; i++)
        {
            await body();
        }

        var exceptions = 0L;
        string? lastException = null;
        AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
        {
            Interlocked.Increment(ref exceptions);
            lastException = e.Exception.GetType().FullName + ": " + e.Exception.Message;
        };
        // PROFILE_ALLOCATIONS=1: also estimate the bytes per operation by type, from the runtime's allocation ticks.
        using var sampler = Environment.GetEnvironmentVariable("PROFILE_ALLOCATIONS") == "1" ? new AllocationSampler() : null;
        Console.Error.WriteLine("profile: measuring");
        sampler?.Start();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        int[] collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var pauseBefore = GC.GetTotalPauseDuration();
        var started = Stopwatch.GetTimestamp();
        long count = 0;
        while (count < ops && Stopwatch.GetElapsedTime(started).TotalSeconds < seconds)
        {
            for (var i = 0; i < 100 && count < ops; i++, count++)
            {
                await body();
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        sampler?.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var collections = $"GCs gen0/1/2 {GC.CollectionCount(0) - collectionsBefore[0]}/{GC.CollectionCount(1) - collectionsBefore[1]}/{GC.CollectionCount(2) - collectionsBefore[2]}, pause {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:0} ms";
        Console.Error.WriteLine($"profile: {count} ops in {elapsed.TotalSeconds:0.00} s = {elapsed.TotalMicroseconds / count:0.000} µs/op (wall), {cpu.TotalMicroseconds / count:0.000} µs/op (process CPU), {(double)allocated / count:0} B/op allocated, {collections}, {exceptions} exceptions thrown{(lastException is null ? string.Empty : " (last: " + lastException + ")")}");
        sampler?.Print(Console.Error, (double)allocated / count);
        cleanup();
        return 0;
    }
}
