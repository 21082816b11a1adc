using System.Diagnostics;
using System.Text.Json.Nodes;
using KeycardSentry.Sentry;
using KeycardSentry.Testing;

namespace KeycardSentry.LoadHarness;

/// <summary>One measured row.</summary>
internal sealed record ModeResult(
    string Mode,
    bool Processes,
    int Instances,
    int Users,
    int Calls,
    int Completed,
    int Exchanges,
    TimeSpan Wall,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double TokenGetP50Ms,
    double TokenGetP99Ms,
    double AllocatedBytesPerCall,
    double CpuMicrosecondsPerCall,
    int Errors,
    int WrongUser,
    bool TimedOut,
    string? FirstError)
{
    public double CallsPerSecond => Wall.TotalSeconds <= 0 ? 0 : Completed / Wall.TotalSeconds;

    public JsonObject ToJson() => new()
    {
        ["mode"] = Mode,
        ["processes"] = Processes,
        ["instances"] = Instances,
        ["users"] = Users,
        ["calls"] = Calls,
        ["completed"] = Completed,
        ["exchanges"] = Exchanges,
        ["exchangesPerUser"] = Math.Round((double)Exchanges / Users, 3),
        ["wallSeconds"] = Math.Round(Wall.TotalSeconds, 3),
        ["callsPerSecond"] = Math.Round(CallsPerSecond, 1),
        ["callP50Ms"] = Math.Round(P50Ms, 3),
        ["callP95Ms"] = Math.Round(P95Ms, 3),
        ["callP99Ms"] = Math.Round(P99Ms, 3),
        ["tokenGetP50Ms"] = Math.Round(TokenGetP50Ms, 4),
        ["tokenGetP99Ms"] = Math.Round(TokenGetP99Ms, 4),
        ["allocatedBytesPerCall"] = double.IsNaN(AllocatedBytesPerCall) ? null : Math.Round(AllocatedBytesPerCall),
        ["cpuMicrosecondsPerCall"] = Math.Round(CpuMicrosecondsPerCall, 1),
        ["errors"] = Errors,
        ["wrongUser"] = WrongUser,
        ["timedOut"] = TimedOut,
        ["firstError"] = FirstError,
    };
}

/// <summary>What a run of calls did: per-call latencies (NaN for calls that never completed) and the failures.</summary>
internal sealed record CallOutcome(double[] Latencies, int Errors, int WrongUser, bool TimedOut, string? FirstError)
{
    public double[] CompletedSorted() => [.. Latencies.Where(l => !double.IsNaN(l)).Order()];
}

/// <summary>Runs users x calls GetOrganizationAsync calls through a set of app instances and measures them.</summary>
internal static class ModeRunner
{
    public static async Task<ModeResult> RunAsync(
        string mode,
        IReadOnlyList<AppInstance> instances,
        LatencyRecorder tokenGets,
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

        var route = Route(users.Count * options.Calls, instances.Count);
        var calls = route.Select((instance, i) => (instances[instance].Organizations, subjects[i % users.Count], users[i % users.Count])).ToList();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        tokenGets.Reset();
        var exchangesBefore = zone.TotalExchanges;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var outcome = await RunCallsAsync(calls, options.Concurrency, TimeSpan.FromSeconds(options.MaxSecondsPerMode)).ConfigureAwait(false);
        var wall = Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        return Result(mode, processes: false, instances.Count, users.Count, calls.Count, zone.TotalExchanges - exchangesBefore, wall, outcome, tokenGets.Sorted(), allocated, cpu);
    }

    /// <summary>A load balancer spreads each user's calls over the instances; seeded, so every run routes the same way.</summary>
    public static int[] Route(int total, int instances)
    {
        var random = new Random(20240601);
        var route = new int[total];
        for (var i = 0; i < total; i++)
        {
            route[i] = random.Next(instances);
        }

        return route;
    }

    public static ModeResult Result(
        string mode, bool processes, int instances, int users, int calls, int exchanges, TimeSpan wall, CallOutcome outcome, double[] tokenGets, long? allocated, TimeSpan cpu)
    {
        var done = outcome.CompletedSorted();
        return new ModeResult(
            mode,
            processes,
            instances,
            users,
            calls,
            done.Length,
            exchanges,
            wall,
            Percentile(done, 0.50),
            Percentile(done, 0.95),
            Percentile(done, 0.99),
            Percentile(tokenGets, 0.50),
            Percentile(tokenGets, 0.99),
            done.Length == 0 || allocated is null ? double.NaN : (double)allocated / done.Length,
            done.Length == 0 ? 0 : cpu.TotalMicroseconds / done.Length,
            outcome.Errors,
            outcome.WrongUser,
            outcome.TimedOut,
            outcome.FirstError);
    }

    /// <summary>
    /// The calls, at most <paramref name="concurrency"/> in flight; call i is user i % users, round i / users, so every user
    /// is active throughout, as in a busy app. Each answer must carry the caller's own user (the stand-in echoes it).
    /// </summary>
    public static async Task<CallOutcome> RunCallsAsync(IReadOnlyList<(ISentryOrganizationsApi Api, string Subject, string User)> calls, int concurrency, TimeSpan bound)
    {
        var latencies = new double[calls.Count];
        Array.Fill(latencies, double.NaN);
        var errors = 0;
        var wrongUser = 0;
        string? firstError = null;
        var timedOut = false;
        using var deadline = new CancellationTokenSource(bound);
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, calls.Count),
                new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = deadline.Token },
                async (i, ct) =>
                {
                    var (api, subject, user) = calls[i];
                    var callStarted = Stopwatch.GetTimestamp();
                    try
                    {
                        using (KeycardSubject.Use(subject))
                        {
                            var organization = await api.GetOrganizationAsync("acme", cancellationToken: ct).ConfigureAwait(false);
                            if (organization.AdditionalProperties is not { } extra
                                || !extra.TryGetValue("user", out var echoed)
                                || echoed.GetString() != user)
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
                }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            timedOut = true;
        }

        return new CallOutcome(latencies, errors, wrongUser, timedOut, firstError);
    }

    public static double Percentile(double[] sorted, double p)
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
