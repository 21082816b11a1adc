using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// The SDK's share of a consumer's build: packs the Sentry SDK and the generator as they are in this checkout into a
/// local feed, then builds three throwaway console apps side by side, alternating, N times each: one without the SDK,
/// one that references the KeycardSentry.Sentry package (its clients, and the KSC scope analyzer running in the build)
/// and calls it, and one that generates the whole Sentry client itself from specs/ with the KeycardSentry.Generator
/// package (all 223 operations) and calls it. Two kinds of build: a full one (<c>dotnet build --no-restore
/// --no-incremental</c>: every target, the compiler on every file) and an incremental one after an edit of one source
/// file. Prints each median, the range and the ratio to the app without the SDK. Then the compiler's own account
/// (<see cref="FreshCompiler"/>): the same full builds in a fresh csc process each.
/// Run: dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- build-cost [--repeat 3]
/// </summary>
internal static class BuildCost
{
    private static readonly string[] PackedProjects =
    [
        "runtime/KeycardSentry.Abstractions/KeycardSentry.Abstractions.csproj",
        "runtime/KeycardSentry/KeycardSentry.csproj",
        "runtime/KeycardSentry.Sentry/KeycardSentry.Sentry.csproj",
        "generator/KeycardSentry.Generator/KeycardSentry.Generator.csproj",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var repeat = 3;
        if (args.Length == 2 && args[0] == "--repeat" && int.TryParse(args[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 20)
        {
            repeat = n;
        }
        else if (args.Length != 0)
        {
            Console.Error.WriteLine("usage: build-cost [--repeat 1..20]");
            return 2;
        }

        var root = FindRepositoryRoot();
        var work = Directory.CreateTempSubdirectory("keycardsentry-buildcost-");
        try
        {
            var feed = Directory.CreateDirectory(Path.Combine(work.FullName, "feed")).FullName;
            var version = "0.0.0-buildcost." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            foreach (var project in PackedProjects)
            {
                Console.Error.WriteLine($"packing {project} ...");
                await MustAsync(root, "pack", project, "-c", "Release", "-o", feed, "-p:Version=" + version);
            }

            var plain = Consumers.Write(work.FullName, Consumer.Plain, feed, version, root);
            var sdk = Consumers.Write(work.FullName, Consumer.Sdk, feed, version, root);
            var generator = Consumers.Write(work.FullName, Consumer.Generator, feed, version, root);
            foreach (var consumer in new[] { plain, sdk, generator })
            {
                await MustAsync(consumer, "restore");
                await MustAsync(consumer, "build", "--no-restore"); // warm: compiler server, NuGet, MSBuild caches
            }

            var full = (Plain: new List<double>(), Sdk: new List<double>(), Generator: new List<double>());
            var edit = (Plain: new List<double>(), Sdk: new List<double>(), Generator: new List<double>());
            for (var i = 0; i < repeat; i++)
            {
                Console.Error.WriteLine($"round {i + 1}/{repeat} ...");
                full.Plain.Add(await TimeAsync(plain, "build", "--no-restore", "--no-incremental"));
                full.Sdk.Add(await TimeAsync(sdk, "build", "--no-restore", "--no-incremental"));
                full.Generator.Add(await TimeAsync(generator, "build", "--no-restore", "--no-incremental"));
                Consumers.Touch(plain, i);
                edit.Plain.Add(await TimeAsync(plain, "build", "--no-restore"));
                Consumers.Touch(sdk, i);
                edit.Sdk.Add(await TimeAsync(sdk, "build", "--no-restore"));
                Consumers.Touch(generator, i);
                edit.Generator.Add(await TimeAsync(generator, "build", "--no-restore"));
            }

            var compiler = await FreshCompiler.MeasureAsync([("without the SDK", plain), ("with KeycardSentry.Sentry", sdk), ("generating the Sentry client (223 operations)", generator)], repeat);

            Console.WriteLine($"> consumer build, SDK packed from this checkout; {repeat} alternating rounds; {Environment.ProcessorCount} cores, load average {LoadAverage()}");
            Console.WriteLine("| build | without the SDK (s) | with KeycardSentry.Sentry (s) | ratio (median) | generating the Sentry client (s) | ratio (median) |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            Row("full (`--no-incremental`)", full.Plain, full.Sdk, full.Generator);
            Row("incremental, one file edited", edit.Plain, edit.Sdk, edit.Generator);
            Console.WriteLine();
            FreshCompiler.Print(compiler, repeat, LoadAverage());
            return 0;
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    private static void Row(string name, List<double> plain, List<double> sdk, List<double> generator) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {name} | {Range(plain)} | {Range(sdk)} | {Median(sdk) / Median(plain):0.00}× | {Range(generator)} | {Median(generator) / Median(plain):0.00}× |"));

    /// <summary>The median and the range, in seconds.</summary>
    internal static string Range(List<double> values) =>
        string.Create(CultureInfo.InvariantCulture, $"{Median(values):0.00} ({values.Min():0.00}–{values.Max():0.00})");

    private static async Task<double> TimeAsync(string directory, params string[] args)
    {
        var started = Stopwatch.GetTimestamp();
        await MustAsync(directory, args);
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="directory"/>; throws with its output when it fails, else returns the output.</summary>
    internal static async Task<string> MustAsync(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var output = new StringBuilder();
        var pumps = new[] { Pump(process.StandardOutput, output), Pump(process.StandardError, output) };
        await process.WaitForExitAsync().ConfigureAwait(false);
        await Task.WhenAll(pumps).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', args)} in {directory} failed ({process.ExitCode}):\n{output}");
        }

        return output.ToString();
    }

    private static async Task Pump(StreamReader reader, StringBuilder sink)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (sink)
            {
                sink.AppendLine(line);
            }
        }
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KeycardSentry.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("KeycardSentry.sln not found above " + AppContext.BaseDirectory);
    }
}
