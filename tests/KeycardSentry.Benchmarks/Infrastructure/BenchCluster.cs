using System.Globalization;
using System.Net;
using System.Net.Sockets;
using KeycardSentry.Orleans;
using KeycardSentry.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.Benchmarks.Infrastructure;

/// <summary>
/// One real silo host (localhost clustering, the silo process's own <c>UseKeycardCluster</c> and
/// <c>AddKeycardTokenGrains</c>) in this process, and Orleans client hosts that reach it over TCP on 127.0.0.1 as an
/// app instance would: every grain call is serialized, sent and answered.
/// </summary>
internal sealed class BenchCluster : IDisposable
{
    private const string ServiceId = "keycardsentry-bench";
    private readonly string _clusterId = "bench-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<IHost> _clients = [];
    private IHost? _silo;
    private int _gatewayPort;

    public static BenchCluster Start(LocalKeycardZone zone)
    {
        var cluster = new BenchCluster();
        var siloPort = FreePort();
        cluster._gatewayPort = FreePort();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:Mode"] = "Localhost",
            ["Cluster:ClusterId"] = cluster._clusterId,
            ["Cluster:ServiceId"] = ServiceId,
            ["Cluster:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = cluster._gatewayPort.ToString(CultureInfo.InvariantCulture),
        });
        builder.UseOrleans(silo =>
        {
            silo.UseKeycardCluster(builder.Configuration);
            silo.Services.AddKeycard(o => InProcessApp.Configure(o, zone));
            silo.AddKeycardTokenGrains();
        });
        cluster._silo = builder.Build();
        cluster._silo.StartAsync().GetAwaiter().GetResult();
        return cluster;
    }

    /// <summary>
    /// An Orleans client app with <c>AddKeycardOrleansTokenCache</c>: with <paramref name="zone"/>, the client knows the
    /// zone (ZoneUrl + SubjectAudience, no secret), validates subject tokens itself and calls the user's grain directly;
    /// without, it goes through the silo's stateless gateway grain, which validates and forwards.
    /// </summary>
    public IHost StartClient(LocalKeycardZone? zone, bool nearCache)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var settings = new Dictionary<string, string?>
        {
            ["Cluster:Mode"] = "Localhost",
            ["Cluster:ClusterId"] = _clusterId,
            ["Cluster:ServiceId"] = ServiceId,
            ["Cluster:GatewayPort"] = _gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Keycard:NearCache"] = nearCache ? "true" : "false",
        };
        if (zone is not null)
        {
            settings["Keycard:ZoneUrl"] = zone.Issuer;
            settings["Keycard:SubjectAudience"] = zone.SubjectAudience;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOrleansClient(client => client.UseKeycardCluster(builder.Configuration));
        if (zone is not null)
        {
            builder.Services.AddKeycardOrleansTokenCache(builder.Configuration.GetSection("Keycard"));
        }
        else
        {
            builder.Services.AddKeycardOrleansTokenCache();
        }

        var host = builder.Build();
        host.StartAsync().GetAwaiter().GetResult();
        _clients.Add(host);
        return host;
    }

    public void Dispose()
    {
        InProcessApp.Stop([.. _clients]);
        InProcessApp.Stop(_silo);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
