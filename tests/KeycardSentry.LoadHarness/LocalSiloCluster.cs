using System.Globalization;
using System.Net;
using System.Net.Sockets;
using KeycardSentry.Orleans;
using KeycardSentry.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.LoadHarness;

/// <summary>
/// Real Orleans silo hosts in this process with localhost clustering (the silo process's setup, minus the process
/// boundary): the first silo is the primary, the others join it; every silo hosts the user token grains and holds the
/// Keycard client credentials. App instances connect as Orleans clients through the gateways.
/// </summary>
internal sealed class LocalSiloCluster : IAsyncDisposable
{
    private readonly List<IHost> _silos = [];
    private readonly List<int> _gatewayPorts = [];
    private readonly string _clusterId = "harness-" + Guid.NewGuid().ToString("N")[..8];
    private const string ServiceId = "keycardsentry-harness";

    public static async Task<LocalSiloCluster> StartAsync(LocalKeycardZone zone, int silos, Action<KeycardOptions>? keycard = null)
    {
        var cluster = new LocalSiloCluster();
        try
        {
            var primary = FreePort();
            for (var i = 0; i < silos; i++)
            {
                var siloPort = i == 0 ? primary : FreePort();
                var gatewayPort = FreePort();
                var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());

                // The silo process's own clustering call, on in-memory configuration: the others join the first.
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Cluster:Mode"] = "Localhost",
                    ["Cluster:ClusterId"] = cluster._clusterId,
                    ["Cluster:ServiceId"] = ServiceId,
                    ["Cluster:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
                    ["Cluster:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
                    ["Cluster:PrimarySiloPort"] = primary.ToString(CultureInfo.InvariantCulture),
                });
                builder.UseOrleans(silo =>
                {
                    silo.UseKeycardCluster(builder.Configuration);
                    AppInstance.AddZone(silo.Services, ZoneSettings.From(zone), keycard);
                    silo.AddKeycardTokenGrains();
                });
                var host = builder.Build();
                await host.StartAsync().ConfigureAwait(false);
                cluster._silos.Add(host);
                cluster._gatewayPorts.Add(gatewayPort);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public void ConfigureClient(IClientBuilder client) =>
        client.UseLocalhostClustering([.. _gatewayPorts], ServiceId, _clusterId);

    public async ValueTask DisposeAsync()
    {
        for (var i = _silos.Count - 1; i >= 0; i--)
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _silos[i].StopAsync(bound.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Bounded shutdown: the process ends anyway.
            }

            _silos[i].Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
