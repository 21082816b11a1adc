namespace KeycardSentry.Orleans.Tests.Infrastructure;

/// <summary>Starts the built silo as a process: one localhost silo of its own cluster, HTTP on a free port, no dashboard.</summary>
internal static class SiloProcess
{
    public static ChildProcess Start(Dictionary<string, string> extra, string name = "silo")
    {
        var environment = new Dictionary<string, string>
        {
            ["Cluster__Mode"] = "Localhost",
            ["Cluster__ClusterId"] = $"{name}-{Guid.NewGuid().ToString("N")[..8]}",
            ["Silo__HttpPort"] = "0",
            ["Silo__Dashboard"] = "false",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return ChildProcess.Start(name, "dotnet", [MultiProcessClusterTests.BuildOutput("SiloDll")], environment);
    }
}
