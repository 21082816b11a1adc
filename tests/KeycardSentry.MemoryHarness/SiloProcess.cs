using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using KeycardSentry.Orleans;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KeycardSentry.MemoryHarness;

/// <summary>
/// The measured process: one silo (the silo host's own <c>UseKeycardCluster</c> and <c>AddKeycardTokenGrains</c>, from
/// <c>Cluster__*</c> and <c>Keycard__*</c> environment variables), nothing else. It prints <c>ready</c>, then answers
/// each <c>measure</c> line on stdin with the live managed heap and the working set after a full compacting collection.
/// </summary>
internal static class SiloProcess
{
    public static async Task<int> RunAsync()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddEnvironmentVariables();
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo
            .UseKeycardCluster(builder.Configuration)
            .AddKeycardTokenGrains(builder.Configuration.GetSection("Keycard")));
        using var host = builder.Build();
        await host.StartAsync();
        Console.WriteLine("ready");
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "measure")
            {
                Console.WriteLine(Measure());
            }
            else if (line == "stop")
            {
                break;
            }
        }

        await host.StopAsync();
        return 0;
    }

    private static string Measure()
    {
        for (var i = 0; i < 3; i++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        // Then one aggressive collection, which also gives back the memory the GC keeps committed for allocations to come
        // (its budget grows with how much a run allocated, not with what it keeps): the working set is then what is held.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        using var process = Process.GetCurrentProcess();
        return string.Create(CultureInfo.InvariantCulture, $"memory {GC.GetTotalMemory(false)} {process.WorkingSet64}");
    }
}
