using KeycardSentry.Orleans.Tests.Infrastructure;

namespace KeycardSentry.Orleans.Tests;

/// <summary>The silo's optional failure-detection keys (<c>Cluster:ProbeTimeout</c>, ...) are checked before it starts.</summary>
public sealed class SiloFailureDetectionSettingsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BadFailureDetectionValues_ExitWithCode2_NamingEachKey()
    {
        await using var silo = ChildProcess.Start("silo", "dotnet", [MultiProcessClusterTests.BuildOutput("SiloDll")], new Dictionary<string, string>
        {
            ["Cluster__Mode"] = "Localhost",
            ["Cluster__ClusterId"] = "fd-" + Guid.NewGuid().ToString("N")[..8],
            ["Silo__HttpPort"] = "0",
            ["Silo__Dashboard"] = "false",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Cluster__ProbeTimeout"] = "soon",
            ["Cluster__NumMissedProbesLimit"] = "0",
            ["Cluster__DeathVoteExpiration"] = "00:00:00",
            ["Cluster__ResponseTimeout"] = "-00:00:05",
        });

        Assert.Equal(2, await silo.WaitForExitAsync(Bound, Ct));
        var errors = silo.Lines.Where(l => l.Contains("configuration error", StringComparison.Ordinal)).ToList();
        Assert.Contains(errors, l => l.Contains("Cluster:ProbeTimeout (Cluster__ProbeTimeout) is 'soon'", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("Cluster:NumMissedProbesLimit (Cluster__NumMissedProbesLimit) is '0'", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("Cluster:DeathVoteExpiration (Cluster__DeathVoteExpiration)", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("Cluster:ResponseTimeout (Cluster__ResponseTimeout)", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);
    }
}
