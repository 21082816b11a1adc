using System.Globalization;
using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// Real hosts joined only through <c>UseKeycardCluster(configuration)</c>: two localhost silos (the second joins the
/// first through <c>Cluster:PrimarySiloPort</c>) and a client app that gets tokens through the second silo's gateway.
/// </summary>
public sealed class ClusterFromConfigurationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoLocalhostSilosAndAClient_FromConfigurationOnly_OneExchangePerUser()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        var clusterId = "cfg-" + Guid.NewGuid().ToString("N")[..8];
        var primaryPort = MultiProcessClusterTests.FreePort();
        var secondGateway = MultiProcessClusterTests.FreePort();
        var hosts = new List<IHost>();
        try
        {
            hosts.Add(await StartSiloAsync(zone, Cluster(clusterId, primaryPort, MultiProcessClusterTests.FreePort(), primary: null)));
            hosts.Add(await StartSiloAsync(zone, Cluster(clusterId, MultiProcessClusterTests.FreePort(), secondGateway, primary: primaryPort)));

            var clientBuilder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            clientBuilder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Cluster:ClusterId"] = clusterId, ["Cluster:GatewayPort"] = Text(secondGateway) });
            clientBuilder.UseOrleansClient(client => client.UseKeycardCluster(clientBuilder.Configuration));
            clientBuilder.Services.AddKeycardOrleansTokenCache();
            var client = clientBuilder.Build();
            hosts.Add(client);
            await client.StartAsync(Ct);

            var provider = client.Services.GetRequiredService<IKeycardTokenProvider>();
            foreach (var user in new[] { "cfg-alice", "cfg-bob", "cfg-carol" })
            {
                var subject = zone.MintSubjectToken(user);
                var first = await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);
                var second = await provider.GetTokenAsync(KeycardWiring.Request(subject), Ct);
                Assert.Equal(first.Fingerprint, second.Fingerprint);
                Assert.Equal(1, zone.ExchangeCount(user));
            }

            // One cluster of two: the second silo joined the primary.
            var membership = hosts[0].Services.GetRequiredService<IClusterMembershipService>();
            Assert.Equal(2, membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active));
        }
        finally
        {
            for (var i = hosts.Count - 1; i >= 0; i--)
            {
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await hosts[i].StopAsync(bound.Token);
                hosts[i].Dispose();
            }
        }
    }

    private static Dictionary<string, string?> Cluster(string clusterId, int siloPort, int gatewayPort, int? primary)
    {
        var values = new Dictionary<string, string?>
        {
            ["Cluster:Mode"] = "Localhost",
            ["Cluster:ClusterId"] = clusterId,
            ["Cluster:SiloPort"] = Text(siloPort),
            ["Cluster:GatewayPort"] = Text(gatewayPort),
        };
        if (primary is { } port)
        {
            values["Cluster:PrimarySiloPort"] = Text(port);
        }

        return values;
    }

    private static async Task<IHost> StartSiloAsync(LocalKeycardZone zone, Dictionary<string, string?> values)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(values);
        builder.UseOrleans(silo =>
        {
            silo.UseKeycardCluster(builder.Configuration);
            KeycardWiring.AddZone(silo.Services, zone);
            silo.AddKeycardTokenGrains();
        });
        var host = builder.Build();
        await host.StartAsync(Ct);
        return host;
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}
