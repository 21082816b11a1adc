using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// The SDK's share of a consumer's build: packs the Sentry SDK as it is in this checkout into a local feed, then builds
/// two throwaway console apps side by side, alternating, N times each: one without the SDK, one that references the
/// KeycardSentry.Sentry package (its clients, and the KSC scope analyzer running in the build) and calls it. Two kinds of
/// build: a full one (<c>dotnet build --no-restore --no-incremental</c>: every target, the compiler on every file) and an
/// incremental one after an edit of one source file. Prints each median, the range and the ratio to the app without the SDK.
/// Run: dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- build-cost [--repeat 3]
/// </summary>
internal static class BuildCost
{
    private static readonly string[] PackedProjects =
    [
        "runtime/KeycardSentry.Abstractions/KeycardSentry.Abstractions.csproj",
        "runtime/KeycardSentry/KeycardSentry.csproj",
        "runtime/KeycardSentry.Sentry/KeycardSentry.Sentry.csproj",
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

            var plain = WriteConsumer(work.FullName, "plain", feed, version, withSdk: false);
            var sdk = WriteConsumer(work.FullName, "sdk", feed, version, withSdk: true);
            foreach (var consumer in new[] { plain, sdk })
            {
                await MustAsync(consumer, "restore");
                await MustAsync(consumer, "build", "--no-restore"); // warm: compiler server, NuGet, MSBuild caches
            }

            var full = (Plain: new List<double>(), Sdk: new List<double>());
            var edit = (Plain: new List<double>(), Sdk: new List<double>());
            for (var i = 0; i < repeat; i++)
            {
                Console.Error.WriteLine($"round {i + 1}/{repeat} ...");
                full.Plain.Add(await TimeAsync(plain, "build", "--no-restore", "--no-incremental"));
                full.Sdk.Add(await TimeAsync(sdk, "build", "--no-restore", "--no-incremental"));
                Touch(plain, i);
                edit.Plain.Add(await TimeAsync(plain, "build", "--no-restore"));
                Touch(sdk, i);
                edit.Sdk.Add(await TimeAsync(sdk, "build", "--no-restore"));
            }

            Console.WriteLine($"> consumer build, SDK packed from this checkout; {repeat} alternating rounds; {Environment.ProcessorCount} cores, load average {LoadAverage()}");
            Console.WriteLine("| build | without the SDK (s) | with KeycardSentry.Sentry (s) | ratio (median) |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");
            Row("full (`--no-incremental`)", full.Plain, full.Sdk);
            Row("incremental, one file edited", edit.Plain, edit.Sdk);
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

    private static void Row(string name, List<double> plain, List<double> sdk) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {name} | {Median(plain):0.00} ({plain.Min():0.00}–{plain.Max():0.00}) | {Median(sdk):0.00} ({sdk.Min():0.00}–{sdk.Max():0.00}) | {Median(sdk) / Median(plain):0.00}× |"));

    private static string WriteConsumer(string work, string name, string feed, string version, bool withSdk)
    {
        var dir = Directory.CreateDirectory(Path.Combine(work, name)).FullName;
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="keycardsentry-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              {(withSdk ? $"<ItemGroup><PackageReference Include=\"KeycardSentry.Sentry\" Version=\"{version}\" /></ItemGroup>" : string.Empty)}
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), withSdk
            ? """
              using KeycardSentry;
              using KeycardSentry.Sentry;
              using Microsoft.Extensions.DependencyInjection;

              var services = new ServiceCollection();
              services.AddKeycard(o => { o.ZoneUrl = "https://zone.keycard.cloud"; o.ClientId = "app"; o.ClientSecret = "secret"; });
              services.AddSentryApi();
              using var provider = services.BuildServiceProvider();
              var organizations = provider.GetRequiredService<ISentryOrganizationsApi>();
              using (KeycardSubject.Use(args.Length > 0 ? args[0] : "token"))
              {
                  var org = await organizations.GetOrganizationAsync("acme");
                  var list = await organizations.ListOrganizationProjectsAsync("acme");
                  Console.WriteLine($"{org.Slug} {list.Content?.Count}");
              }
              """
            : """
              using System.Net.Http.Headers;
              using System.Net.Http.Json;

              using var http = new HttpClient { BaseAddress = new Uri("https://us.sentry.io/") };
              http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", args.Length > 0 ? args[0] : "token");
              var org = await http.GetFromJsonAsync<Organization>("api/0/organizations/acme/");
              var list = await http.GetFromJsonAsync<List<Project>>("api/0/organizations/acme/projects/");
              Console.WriteLine($"{org?.Slug} {list?.Count}");

              internal sealed record Organization(string? Id, string? Slug, string? Name);
              internal sealed record Project(string? Id, string? Slug, string? Name);
              """);
        File.WriteAllText(Path.Combine(dir, "Edited.cs"), "internal static class Edited { public const int Round = -1; }\n");
        return dir;
    }

    private static void Touch(string consumer, int round) =>
        File.WriteAllText(Path.Combine(consumer, "Edited.cs"), $"internal static class Edited {{ public const int Round = {round}; }}\n");

    private static async Task<double> TimeAsync(string directory, params string[] args)
    {
        var started = Stopwatch.GetTimestamp();
        await MustAsync(directory, args);
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task MustAsync(string directory, params string[] args)
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

    private static double Median(List<double> values)
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
