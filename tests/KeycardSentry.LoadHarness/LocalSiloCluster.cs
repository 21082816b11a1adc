using System.Net;
using System.Net.Sockets;
using KeycardSentry.Orleans;
using KeycardSentry.Testing;
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

    public static async Task<LocalSiloCluster> StartAsync(LocalKeycardZone zone, int silos)
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
                builder.UseOrleans(silo =>
                {
                    silo.UseLocalhostClustering(siloPort, gatewayPort, i == 0 ? null : new IPEndPoint(IPAddress.Loopback, primary), ServiceId, cluster._clusterId);
                    AppInstance.AddZone(silo.Services, zone);
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
