using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Clustering.Redis;
using Orleans.Runtime;
using StackExchange.Redis;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// What <c>UseKeycardCluster</c> does: binds <see cref="KeycardClusterOptions"/> and <see cref="KeycardClusterTlsOptions"/>
/// from the <c>Cluster</c> section, validated at start, and configures Orleans from the validated values. Only the
/// mode is read when the builder is configured, because it picks the membership provider; if it is wrong, the
/// validator stops the start before any of it runs.
/// </summary>
internal static class ClusterRegistration
{
    private const string TlsKey = "Tls";

    /// <summary>
    /// Registers the options and their validators; returns what the configuration asks for, as far as it converts (the
    /// mode and the grain directory pick providers while the builder is configured; the validator stops a wrong value
    /// at start, before any of it runs).
    /// </summary>
    public static KeycardClusterOptions AddOptions(IServiceCollection services, IConfiguration clusterSection, bool forSilo)
    {
        var keys = new ConfigurationKeyBinder(clusterSection, typeof(KeycardClusterOptions), TlsKey);
        services.AddOptions<KeycardClusterOptions>().Configure(keys.Bind).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KeycardClusterOptions>>(new KeycardClusterOptionsValidator(keys, forSilo));

        var tlsSection = clusterSection.GetSection(TlsKey);
        var tlsKeys = new ConfigurationKeyBinder(tlsSection, typeof(KeycardClusterTlsOptions), nameof(KeycardClusterTlsOptions.TrustedThumbprints));
        ClusterTlsRegistration.Add(services, tlsKeys, forSilo).Configure(tls =>
        {
            tlsKeys.Bind(tls);
            foreach (var thumbprint in ReadList(tlsSection.GetSection(nameof(KeycardClusterTlsOptions.TrustedThumbprints))))
            {
                tls.TrustedThumbprints.Add(thumbprint);
            }
        });

        var requested = new KeycardClusterOptions();
        keys.Bind(requested);
        return requested;
    }

    public static void ConfigureSilo(ISiloBuilder silo, KeycardClusterOptions requested)
    {
        var mode = requested.Mode;
        var services = silo.Services;
        if (requested.GrainDirectory == KeycardGrainDirectory.Distributed)
        {
#pragma warning disable ORLEANSEXP003 // Experimental in Orleans 10: chosen explicitly through Cluster:GrainDirectory.
            silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        }

        ConfigureShared(services, mode);
        services.AddOptions<EndpointOptions>().Configure<IOptions<KeycardClusterOptions>>((endpoints, cluster) => ConfigureEndpoints(endpoints, cluster.Value));
        if (mode == KeycardClusterMode.Redis)
        {
            silo.UseRedisClustering(_ => { });
        }
        else
        {
            silo.UseDevelopmentClustering(membership => membership.Configure<IOptions<KeycardClusterOptions>>((development, cluster) =>
                development.PrimarySiloEndpoint = new IPEndPoint(IPAddress.Loopback, cluster.Value.PrimarySiloPort ?? cluster.Value.SiloPort)));
        }

        services.AddOptions<ClusterMembershipOptions>().Configure<IOptions<KeycardClusterOptions>>((membership, cluster) =>
        {
            var o = cluster.Value;
            membership.ProbeTimeout = o.ProbeTimeout ?? membership.ProbeTimeout;
            membership.NumMissedProbesLimit = o.NumMissedProbesLimit ?? membership.NumMissedProbesLimit;
            membership.DeathVoteExpirationTimeout = o.DeathVoteExpiration ?? membership.DeathVoteExpirationTimeout;
            membership.TableRefreshTimeout = o.TableRefreshTimeout ?? membership.TableRefreshTimeout;
        });
        services.AddOptions<SiloMessagingOptions>().Configure<IOptions<KeycardClusterOptions>>((messaging, cluster) =>
            messaging.ResponseTimeout = cluster.Value.ResponseTimeout ?? messaging.ResponseTimeout);
    }

    public static void ConfigureClient(IClientBuilder client, KeycardClusterMode mode)
    {
        var services = client.Services;
        ConfigureShared(services, mode);
        if (mode == KeycardClusterMode.Redis)
        {
            client.UseRedisClustering(_ => { });
        }
        else
        {
            client.UseStaticClustering(gateways => gateways.Configure<IOptions<KeycardClusterOptions>>((s, cluster) =>
                s.Gateways = [new IPEndPoint(IPAddress.Loopback, cluster.Value.GatewayPort).ToGatewayUri()]));
        }

        services.AddOptions<ClientMessagingOptions>().Configure<IOptions<KeycardClusterOptions>>((messaging, cluster) =>
            messaging.ResponseTimeout = cluster.Value.ResponseTimeout ?? messaging.ResponseTimeout);
        services.AddOptions<GatewayOptions>().Configure<IOptions<KeycardClusterOptions>>((gateways, cluster) =>
            gateways.GatewayListRefreshPeriod = cluster.Value.GatewayListRefreshPeriod ?? gateways.GatewayListRefreshPeriod);
    }

    private static void ConfigureShared(IServiceCollection services, KeycardClusterMode mode)
    {
        services.AddOptions<ClusterOptions>().Configure<IOptions<KeycardClusterOptions>>((ids, cluster) =>
        {
            ids.ClusterId = cluster.Value.ClusterId;
            ids.ServiceId = cluster.Value.ServiceId;
        });
        if (mode == KeycardClusterMode.Redis)
        {
            services.AddOptions<RedisClusteringOptions>().Configure<IOptions<KeycardClusterOptions>>((redis, cluster) =>
                redis.ConfigurationOptions = ConfigurationOptions.Parse(cluster.Value.RedisConnectionString!));
        }
    }

    private static void ConfigureEndpoints(EndpointOptions endpoints, KeycardClusterOptions cluster)
    {
        endpoints.SiloPort = cluster.SiloPort;
        endpoints.GatewayPort = cluster.GatewayPort;
        if (cluster.Mode == KeycardClusterMode.Localhost)
        {
            endpoints.AdvertisedIPAddress = IPAddress.Loopback;
            return;
        }

        // Redis: without an advertised address Orleans picks this machine's; a loopback address means "all silos on
        // this machine", so then listen there only; otherwise listen on every address.
        IPAddress? advertised = ConfigurationKeyChecks.TryParseAddress(cluster.AdvertisedIP, out var address) ? address : null;
        if (advertised is not null)
        {
            endpoints.AdvertisedIPAddress = advertised;
        }

        if (advertised is null || !IPAddress.IsLoopback(advertised))
        {
            var any = advertised?.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
            endpoints.SiloListeningEndpoint = new IPEndPoint(any, cluster.SiloPort);
            endpoints.GatewayListeningEndpoint = new IPEndPoint(any, cluster.GatewayPort);
        }
    }

    private static List<string> ReadList(IConfigurationSection section)
    {
        var children = section.GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToList();
        return children.Count > 0 || section.Value is not { } text
            ? children
            : [.. text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
