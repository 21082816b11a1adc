using System.Diagnostics;
using System.Globalization;
using KeycardSentry.Sentry;

namespace KeycardSentry.Silo.Demo;

/// <summary>
/// <c>dotnet run --project silo/KeycardSentry.Silo -- demo</c>: the whole flow offline, nothing configured. Starts the
/// local Keycard zone, the Sentry stand-in, a real silo and three app instances on 127.0.0.1 in this process; several
/// users call generated Sentry operations of different tags; prints where every token came from, the scopes each call
/// needed, a call refused before sending and one refused by Sentry, and how to run the real thing; stops everything.
/// </summary>
internal static class DemoCommand
{
    public const string Name = "demo";

    /// <summary>Runs the demo; 0 when everything happened as shown, 1 when something did not, 130 when cancelled.</summary>
    public static async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        output.WriteLine("KeycardSentry demo: a Keycard zone, Sentry, an Orleans silo and three app instances, all on 127.0.0.1 in this");
        output.WriteLine("process. Nothing to configure; nothing leaves this machine.");
        output.WriteLine();
        IReadOnlyList<int> ports = [];
        int code;
        try
        {
            using var meters = new DemoMeters();
            output.WriteLine("Starting");
            await using var environment = await DemoEnvironment.StartAsync(line => output.WriteLine("  " + line), cancellationToken).ConfigureAwait(false);
            ports = environment.Ports;
            var report = await new DemoScript(environment, meters, output).RunAsync(cancellationToken).ConfigureAwait(false);
            code = report.Print(output);
            PrintRealThing(output);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output.WriteLine();
            output.WriteLine("Demo cancelled.");
            code = 130;
        }
        catch (Exception ex)
        {
            output.WriteLine();
            output.WriteLine($"Demo failed: {ex.GetType().Name}: {ex.Message}");
            code = 1;
        }

        // Everything was disposed when the block above was left, whichever way.
        var elapsed = Stopwatch.GetElapsedTime(started);
        var uptime = DateTime.Now - Process.GetCurrentProcess().StartTime;
        output.WriteLine();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Stopped everything the demo started{(ports.Count > 0 ? $"; ports {string.Join(", ", ports)} are released" : string.Empty)}. " +
            $"Demo took {elapsed.TotalSeconds:0.0} s ({uptime.TotalSeconds:0.0} s since the process started)."));
        return code;
    }

    private static void PrintRealThing(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("Run the real thing");
        output.WriteLine("  1. The silo holds your Keycard application's credentials and exchanges once per user for the whole cluster:");
        output.WriteLine("       export Keycard__ZoneUrl=https://<zone-id>.keycard.cloud Keycard__ClientId=<client id> \\");
        output.WriteLine("              Keycard__ClientSecret=<client secret> Keycard__SubjectAudience=<your app's audience>");
        output.WriteLine("       dotnet run --project silo/KeycardSentry.Silo");
        output.WriteLine("     More silos: Cluster__Mode=Redis Cluster__RedisConnectionString=<host:port> on every silo and app.");
        output.WriteLine("  2. Each app is an Orleans client with no Keycard secret:");
        output.WriteLine("       builder.UseOrleansClient(c => c.UseKeycardCluster(builder.Configuration));");
        output.WriteLine("       builder.Services.AddKeycardOrleansTokenCache(builder.Configuration.GetSection(\"Keycard\"));");
        output.WriteLine("       builder.Services.AddSentryApi();   // https://us.sentry.io; SentryApi__Region=de for de.sentry.io");
        output.WriteLine("     and calls Sentry for a user inside using (KeycardSubject.Use(userKeycardAccessToken)) { ... }.");
    }
}

/// <summary>What the demo's users did, and the table of it.</summary>
internal sealed class DemoReport(IReadOnlyList<UserRun> users, IReadOnlyList<DemoCall> calls)
{
    /// <summary>Prints the tables; returns 0 when every user needed exactly one exchange and both refusals happened, else 1.</summary>
    public int Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("Per user (token gets from the KeycardSentry.Orleans meter; exchanges counted by the Keycard zone)");
        DemoTable.Print(
            output,
            ["user", "Keycard grant", "calls", "sent to Sentry", "exchanges at Keycard", "token from near cache", "from grain", "from exchange"],
            users.Select(u => new[]
            {
                u.Name, string.Join(' ', u.Grant), Num(u.Calls), Num(u.Sent), Num(u.Exchanges), Num(u.Sources.NearCache), Num(u.Sources.Grain), Num(u.Sources.Exchange),
            }));

        output.WriteLine();
        output.WriteLine("Scopes each call needed (any one suffices; from [RequiresScopes] via SentryOperations.All)");
        DemoTable.Print(
            output,
            ["tag", "method", "request", "needs one of"],
            calls.Select(c => new[] { c.Tag, c.Method, $"{c.Operation.HttpMethod} {c.Operation.Path}", string.Join(' ', c.Operation.Scopes) }));

        output.WriteLine();
        output.WriteLine("Refusals");
        var before = users.SelectMany(u => u.Refusals).FirstOrDefault(r => r.Error.RefusedBeforeSending);
        var bySentry = users.SelectMany(u => u.Refusals).FirstOrDefault(r => !r.Error.RefusedBeforeSending);
        if (before is not null)
        {
            output.WriteLine($"  refused before sending: {before.User} {before.Call} (SentryScopeException, RefusedBeforeSending = true)");
            output.WriteLine($"    needs one of [{string.Join(' ', before.Error.RequiredScopes)}]; {before.User}'s token carries [{string.Join(' ', before.Error.GrantedScopes)}]; no request reached Sentry.");
        }

        if (bySentry is not null)
        {
            output.WriteLine($"  refused by Sentry: {bySentry.User} {bySentry.Call} (SentryScopeException, StatusCode = {(int?)bySentry.Error.StatusCode})");
            output.WriteLine($"    Sentry answered \"{bySentry.Error.Detail}\": Keycard's token response named no scope, so the client could not check first.");
        }

        var problems = new List<string>();
        problems.AddRange(users.Where(u => u.Exchanges != 1).Select(u => $"{u.Name} needed {u.Exchanges} exchanges at Keycard, not 1"));
        problems.AddRange(users.Where(u => u.Sources.Total != u.Calls).Select(u => $"{u.Name} made {u.Calls} calls but the meters counted {u.Sources.Total} token gets"));
        if (before is null)
        {
            problems.Add("no call was refused before sending");
        }

        if (bySentry?.Error.StatusCode is not System.Net.HttpStatusCode.Forbidden)
        {
            problems.Add("no call was refused by Sentry with 403");
        }

        foreach (var problem in problems)
        {
            output.WriteLine($"  UNEXPECTED: {problem}");
        }

        return problems.Count == 0 ? 0 : 1;
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Plain text tables, columns padded, two spaces in.</summary>
internal static class DemoTable
{
    public static void Print(TextWriter output, string[] headers, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { headers };
        all.AddRange(rows);
        var widths = headers.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        for (var r = 0; r < all.Count; r++)
        {
            output.WriteLine("  " + string.Join("  ", all[r].Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
            if (r == 0)
            {
                output.WriteLine("  " + string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }
    }
}
