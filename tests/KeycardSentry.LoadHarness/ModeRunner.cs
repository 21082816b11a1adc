using System.Diagnostics;
using KeycardSentry.Testing;

namespace KeycardSentry.LoadHarness;

/// <summary>One measured row.</summary>
internal sealed record ModeResult(
    string Mode,
    int Instances,
    int Users,
    int Calls,
    int Completed,
    int Exchanges,
    TimeSpan Wall,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double AllocatedBytesPerCall,
    double CpuMicrosecondsPerCall,
    int Errors,
    int WrongUser,
    bool TimedOut,
    string? FirstError);

/// <summary>Runs users x calls GetOrganizationAsync calls through a set of app instances and measures them.</summary>
internal static class ModeRunner
{
    public static async Task<ModeResult> RunAsync(
        string mode,
        IReadOnlyList<AppInstance> instances,
        LocalKeycardZone zone,
        IReadOnlyList<string> users,
        IReadOnlyList<string> subjects,
        HarnessOptions options)
    {
        // Warm-up (JIT, connections, discovery, Orleans gateways) with a user of its own, before counting.
        var warmupSubject = zone.MintSubjectToken("warmup-" + mode);
        foreach (var instance in instances)
        {
            using (KeycardSubject.Use(warmupSubject))
            {
                await instance.Organizations.GetOrganizationAsync("acme").ConfigureAwait(false);
            }
        }

        var total = users.Count * options.Calls;

        // A load balancer spreads each user's calls over the instances; seeded, so every run routes the same way.
        var random = new Random(20240601);
        var route = new int[total];
        for (var i = 0; i < total; i++)
        {
            route[i] = random.Next(instances.Count);
        }

        var latencies = new double[total];
        var completed = new bool[total];
        var errors = 0;
        var wrongUser = 0;
        string? firstError = null;
        var timedOut = false;

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var exchangesBefore = zone.TotalExchanges;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(options.MaxSecondsPerMode));
        try
        {
            // Call i is user i % users, round i / users: every user is active throughout, as in a busy app.
            await Parallel.ForEachAsync(
                Enumerable.Range(0, total),
                new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = bound.Token },
                async (i, ct) =>
                {
                    var user = i % users.Count;
                    var api = instances[route[i]].Organizations;
                    var callStarted = Stopwatch.GetTimestamp();
                    try
                    {
                        using (KeycardSubject.Use(subjects[user]))
                        {
                            var organization = await api.GetOrganizationAsync("acme", cancellationToken: ct).ConfigureAwait(false);
                            if (organization.AdditionalProperties is not { } extra
                                || !extra.TryGetValue("user", out var echoed)
                                || echoed.GetString() != users[user])
                            {
                                Interlocked.Increment(ref wrongUser);
                            }
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        throw;
                    }
                    catch (Exception ex)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
                    }

                    latencies[i] = Stopwatch.GetElapsedTime(callStarted).TotalMilliseconds;
                    completed[i] = true;
                }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            timedOut = true;
        }

        var wall = Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var exchanges = zone.TotalExchanges - exchangesBefore;

        var done = latencies.Where((_, i) => completed[i]).Order().ToArray();
        return new ModeResult(
            mode,
            instances.Count,
            users.Count,
            total,
            done.Length,
            exchanges,
            wall,
            Percentile(done, 0.50),
            Percentile(done, 0.95),
            Percentile(done, 0.99),
            done.Length == 0 ? 0 : (double)allocated / done.Length,
            done.Length == 0 ? 0 : cpu.TotalMicroseconds / done.Length,
            errors,
            wrongUser,
            timedOut,
            firstError);
    }

    private static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        // Nearest rank.
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
