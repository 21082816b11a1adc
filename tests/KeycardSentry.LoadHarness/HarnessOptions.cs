using System.Globalization;

namespace KeycardSentry.LoadHarness;

/// <summary>Command-line settings; every one bounded so a run stays bounded in count and time.</summary>
internal sealed class HarnessOptions
{
    public static readonly string[] AllModes = ["naive", "inprocess", "inprocess-multi", "orleans", "orleans-no-near"];

    public int Users { get; private set; } = 200;

    public int Calls { get; private set; } = 20;

    public int Concurrency { get; private set; } = 64;

    public int Instances { get; private set; } = 4;

    public int Silos { get; private set; } = 2;

    public int LatencyMs { get; private set; } = 20;

    public int SentryLatencyMs { get; private set; }

    public int MaxSecondsPerMode { get; private set; } = 60;

    public IReadOnlyList<string> Modes { get; private set; } = AllModes;

    /// <summary>Run the multi-instance modes with each app instance in its own process (and, for orleans, the silos too, clustered through Redis).</summary>
    public bool Processes { get; private set; }

    public string? JsonPath { get; private set; }

    public const string Usage =
        "usage: KeycardSentry.LoadHarness [--users 200] [--calls 20] [--concurrency 64] [--instances 4] [--silos 2]\n" +
        "         [--latency-ms 20] [--sentry-latency-ms 0] [--max-seconds 60] [--modes naive,inprocess,inprocess-multi,orleans,orleans-no-near]\n" +
        "         [--processes] [--json path]\n" +
        "  --processes: inprocess-multi and orleans* run each app instance as a process, orleans* against two silo processes clustered\n" +
        "  through a redis-server it starts (on PATH). The results are printed as a table and as JSON (also written to --json).\n" +
        "  users x calls GetOrganizationAsync calls per mode, at most `concurrency` in flight; `latency-ms` is added to every\n" +
        "  Keycard token response (a real zone round trip), `sentry-latency-ms` to every Sentry response. A mode that runs\n" +
        "  longer than max-seconds is cancelled and reported as such.";

    public static HarnessOptions? Parse(string[] args, out string? error)
    {
        var options = new HarnessOptions();
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                return null;
            }

            if (name == "--processes")
            {
                options.Processes = true;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value";
                return null;
            }

            var value = args[++i];
            switch (name)
            {
                case "--users": options.Users = Int(value, 1, 100_000, name, ref error); break;
                case "--calls": options.Calls = Int(value, 1, 10_000, name, ref error); break;
                case "--concurrency": options.Concurrency = Int(value, 1, 4_096, name, ref error); break;
                case "--instances": options.Instances = Int(value, 1, 64, name, ref error); break;
                case "--silos": options.Silos = Int(value, 1, 8, name, ref error); break;
                case "--latency-ms": options.LatencyMs = Int(value, 0, 10_000, name, ref error); break;
                case "--sentry-latency-ms": options.SentryLatencyMs = Int(value, 0, 10_000, name, ref error); break;
                case "--max-seconds": options.MaxSecondsPerMode = Int(value, 1, 3_600, name, ref error); break;
                case "--json": options.JsonPath = value; break;
                case "--modes":
                    var modes = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var unknown = modes.Where(m => !AllModes.Contains(m, StringComparer.Ordinal)).ToList();
                    if (modes.Length == 0 || unknown.Count > 0)
                    {
                        error = $"--modes: unknown mode(s) {string.Join(", ", unknown)}; use {string.Join(",", AllModes)}";
                    }

                    options.Modes = modes;
                    break;
                default:
                    error = $"unknown option {name}";
                    break;
            }

            if (error is not null)
            {
                return null;
            }
        }

        if ((long)options.Users * options.Calls > 10_000_000)
        {
            error = "--users x --calls must be at most 10 000 000";
            return null;
        }

        return options;
    }

    private static int Int(string value, int min, int max, string name, ref string? error)
    {
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max)
        {
            return parsed;
        }

        error = $"{name} must be an integer from {min} to {max} (got '{value}')";
        return 0;
    }
}
