using KeycardSentry.Orleans;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace KeycardSentry.Sentry.Tests.Infrastructure;

/// <summary>An in-process Orleans cluster whose silos host the user token grains and exchange at a local zone.</summary>
internal sealed class TokenGrainCluster : IAsyncDisposable
{
    private TokenGrainCluster(InProcessTestCluster cluster) => Cluster = cluster;

    public InProcessTestCluster Cluster { get; }

    /// <summary>The cluster's client, handed to app instances as their <see cref="IGrainFactory"/>.</summary>
    public IGrainFactory Client => Cluster.Client;

    public static async Task<TokenGrainCluster> StartAsync(LocalKeycardZone zone, short silos = 2)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            // Only the silos hold the Keycard client credentials.
            silo.Services.AddKeycard(o =>
            {
                o.ZoneUrl = zone.ZoneUrl.ToString();
                o.ClientId = zone.ClientId;
                o.ClientSecret = zone.ClientSecret;
                o.SubjectAudience = zone.SubjectAudience;
            });
            silo.AddKeycardTokenGrains();
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new TokenGrainCluster(cluster);
    }

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}
