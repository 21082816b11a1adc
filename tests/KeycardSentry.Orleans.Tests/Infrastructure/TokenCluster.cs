using KeycardSentry.Orleans;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace KeycardSentry.Orleans.Tests.Infrastructure;

/// <summary>An in-process Orleans cluster whose silos host the token grains against a <see cref="LocalKeycardZone"/>.</summary>
internal sealed class TokenCluster : IAsyncDisposable
{
    private TokenCluster(InProcessTestCluster cluster) => Cluster = cluster;

    public InProcessTestCluster Cluster { get; }

    /// <summary>The provider of the cluster's client (an Orleans client app).</summary>
    public IKeycardTokenProvider ClientProvider => Cluster.Client.ServiceProvider.GetRequiredService<IKeycardTokenProvider>();

    /// <summary>The providers of the silos themselves (an app that is its own silo).</summary>
    public IReadOnlyList<IKeycardTokenProvider> SiloProviders =>
        [.. Cluster.Silos.Where(s => s.IsActive).Select(s => s.ServiceProvider.GetRequiredService<IKeycardTokenProvider>())];

    public static async Task<TokenCluster> StartAsync(
        LocalKeycardZone zone,
        short silos = 2,
        FakeTimeProvider? time = null,
        Action<KeycardTokenGrainOptions>? configure = null,
        KeycardClusterTlsOptions? siloTls = null,
        KeycardClusterTlsOptions? clientTls = null,
        Action<IClientBuilder>? configureClient = null,
        bool connectClient = true)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.InitializeClientOnDeploy = connectClient;
        builder.ConfigureSilo((_, silo) =>
        {
            if (time is not null)
            {
                // The silo's clock: Orleans' timers and the grains' expiry arithmetic both run on it.
                silo.Services.AddSingleton<TimeProvider>(time);
            }

            if (siloTls is not null)
            {
                silo.UseKeycardClusterTls(siloTls);
            }

            KeycardWiring.AddZone(silo.Services, zone);
            silo.AddKeycardTokenGrains(configure);
            silo.Services.UseOrleansTokenCache();
        });
        builder.ConfigureClientHost(host => host.Services.UseOrleansTokenCache());
        if (clientTls is not null)
        {
            builder.ConfigureClient(client => client.UseKeycardClusterTls(clientTls));
        }

        if (configureClient is not null)
        {
            builder.ConfigureClient(configureClient);
        }

        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new TokenCluster(cluster);
    }

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}
