using System.Net;
using System.Net.Sockets;
using KeycardSentry.Orleans.Tests.Infrastructure;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// The built silo and load client as processes, started with bad configuration or a port already taken: each exits
/// with code 2 and names the key to change (in configuration and environment-variable spelling), before serving.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed class SiloConfigurationProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BadFailureDetectionValues_ExitWithCode2_NamingEachKey()
    {
        await using var silo = SiloProcess.Start(new()
        {
            ["Cluster__ProbeTimeout"] = "soon",
            ["Cluster__NumMissedProbesLimit"] = "0",
            ["Cluster__DeathVoteExpiration"] = "00:00:00",
            ["Cluster__ResponseTimeout"] = "-00:00:05",
        });

        Assert.Equal(2, await silo.WaitForExitAsync(Bound, Ct));
        var errors = ConfigurationErrors(silo);
        Assert.Contains(errors, l => l.Contains("Cluster:ProbeTimeout (Cluster__ProbeTimeout) is 'soon'", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("Cluster:NumMissedProbesLimit (Cluster__NumMissedProbesLimit) is '0'", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("Cluster:DeathVoteExpiration (Cluster__DeathVoteExpiration)", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("Cluster:ResponseTimeout (Cluster__ResponseTimeout)", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public async Task BadClusterAndHttpValues_ExitWithCode2_EveryKeyNamedAtOnce()
    {
        await using var silo = SiloProcess.Start(new()
        {
            ["Cluster__Mode"] = "Redis",
            ["Cluster__SiloPort"] = "99999999999",
            ["Cluster__AdvertisedIP"] = "not-an-ip",
            ["Silo__HttpPort"] = "-1",
            ["Silo__HttpBindAddress"] = "everywhere",
            ["Silo__Dashboard"] = "maybe",
            ["Silo__Dashbord"] = "false",
            ["Keycard__ZoneUrl"] = "http://zone.example.com",
            ["Keycard__ClientId"] = "app",
            ["Keycard__ClientSecret"] = "app-secret-not-printed",
            ["Keycard__SubjectAudience"] = "app",
        });

        Assert.Equal(2, await silo.WaitForExitAsync(Bound, Ct));
        var errors = ConfigurationErrors(silo);
        string[] expected =
        [
            "Cluster:RedisConnectionString (Cluster__RedisConnectionString) is not set",
            "Cluster:SiloPort (Cluster__SiloPort) is '99999999999'",
            "Cluster:AdvertisedIP (Cluster__AdvertisedIP) is 'not-an-ip'",
            "Silo:HttpPort (Silo__HttpPort) is '-1'",
            "Silo:HttpBindAddress (Silo__HttpBindAddress) is 'everywhere'",
            "Silo:Dashboard (Silo__Dashboard) is 'maybe'",
            "Silo:Dashbord (Silo__Dashbord) is not a setting here",
            "Keycard:ZoneUrl",
        ];
        foreach (var key in expected)
        {
            Assert.Contains(errors, l => l.Contains(key, StringComparison.Ordinal));
        }

        Assert.Equal(expected.Length, errors.Count);
        Assert.DoesNotContain(silo.Lines, l => l.Contains("app-secret-not-printed", StringComparison.Ordinal));
        Assert.DoesNotContain(silo.Lines, l => l.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Cluster:SiloPort")]
    [InlineData("Cluster:GatewayPort")]
    [InlineData("Silo:HttpPort")]
    public async Task PortTakenByAnotherProgram_ExitsWithCode2_NamingItsKey(string key)
    {
        // The port is held by this test for the whole run: the silo must refuse it, whatever the machine is doing.
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString();
        var environment = new Dictionary<string, string>
        {
            ["Cluster__SiloPort"] = MultiProcessClusterTests.FreePort().ToString(),
            ["Cluster__GatewayPort"] = MultiProcessClusterTests.FreePort().ToString(),
            [key.Replace(":", "__", StringComparison.Ordinal)] = port,
        };
        await using var silo = SiloProcess.Start(environment);

        Assert.Equal(2, await silo.WaitForExitAsync(Bound, Ct));
        var error = Assert.Single(ConfigurationErrors(silo));
        Assert.Contains($"{key} ({key.Replace(":", "__", StringComparison.Ordinal)}) is {port}, but 127.0.0.1:{port} is already in use", error, StringComparison.Ordinal);
        Assert.DoesNotContain(silo.Lines, l => l.Contains("Unhandled exception", StringComparison.Ordinal) || l.StartsWith("KeycardSentry silo started", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SamePortForHttpAndGateway_ExitsWithCode2_NamingBothKeys()
    {
        var port = MultiProcessClusterTests.FreePort().ToString();
        await using var silo = SiloProcess.Start(new()
        {
            ["Cluster__SiloPort"] = MultiProcessClusterTests.FreePort().ToString(),
            ["Cluster__GatewayPort"] = port,
            ["Silo__HttpPort"] = port,
        });

        Assert.Equal(2, await silo.WaitForExitAsync(Bound, Ct));
        var error = Assert.Single(ConfigurationErrors(silo));
        Assert.Contains($"Silo:HttpPort (Silo__HttpPort) and Cluster:GatewayPort (Cluster__GatewayPort) are both {port}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadClient_BadClusterValues_ExitsWithCode2_NamingTheKeys()
    {
        var usersFile = Path.Combine(Path.GetTempPath(), $"keycardsentry-users-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(usersFile, "{}", Ct);
        try
        {
            await using var client = ChildProcess.Start("client", "dotnet", [MultiProcessClusterTests.BuildOutput("LoadClientDll"), "--users", usersFile], new Dictionary<string, string>
            {
                ["Cluster__Mode"] = "Redis",
                ["Cluster__GatewayListRefreshPeriod"] = "soon",
                ["Cluster__Tls__CertificatePassword"] = "client-pfx-password",
                ["DOTNET_ENVIRONMENT"] = "Production",
            });

            Assert.Equal(2, await client.WaitForExitAsync(Bound, Ct));
            var errors = client.Lines.Where(l => l.Contains("load client: configuration error", StringComparison.Ordinal)).ToList();
            Assert.Contains(errors, l => l.Contains("Cluster:RedisConnectionString (Cluster__RedisConnectionString) is not set", StringComparison.Ordinal));
            Assert.Contains(errors, l => l.Contains("Cluster:GatewayListRefreshPeriod (Cluster__GatewayListRefreshPeriod) is 'soon'", StringComparison.Ordinal));
            Assert.Contains(errors, l => l.Contains("Cluster:Tls:CertificatePath (Cluster__Tls__CertificatePath) is not set", StringComparison.Ordinal));
            Assert.Equal(3, errors.Count);
            Assert.DoesNotContain(client.Lines, l => l.Contains("client-pfx-password", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(usersFile);
        }
    }

    private static List<string> ConfigurationErrors(ChildProcess silo) =>
        [.. silo.Lines.Where(l => l.Contains("silo: configuration error", StringComparison.Ordinal))];
}
