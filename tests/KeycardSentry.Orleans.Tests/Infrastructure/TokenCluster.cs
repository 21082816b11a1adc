using KeycardSentry.Orleans;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace KeycardSentry.Orleans.Tests.Infrastructure;

/// <summary>An in-process Orleans cluster whose silos host the token grains against a <see cref="LocalKeycardZone"/>.</summary>
internal sealed class TokenCluster : IAsyncDisposable
{
    private TokenCluster(InProcessTestCluster cluster, GrainCallCounter calls)
    {
        Cluster = cluster;
        GrainCalls = calls;
    }

    public InProcessTestCluster Cluster { get; }

    /// <summary>Calls that reached a user token grain (any silo), per method.</summary>
    public GrainCallCounter GrainCalls { get; }

    /// <summary>The provider of the cluster's client (an Orleans client app).</summary>
    public IKeycardTokenProvider ClientProvider => Cluster.Client.ServiceProvider.GetRequiredService<IKeycardTokenProvider>();

    /// <summary>The providers of the silos themselves (an app that is its own silo).</summary>
    public IReadOnlyList<IKeycardTokenProvider> SiloProviders =>
        [.. Cluster.Silos.Where(s => s.IsActive).Select(s => s.ServiceProvider.GetRequiredService<IKeycardTokenProvider>())];

    public static async Task<TokenCluster> StartAsync(
        LocalKeycardZone zone,
        short silos = 2,
        FakeTimeProvider? time = null,
        Action<KeycardOptions>? keycard = null,
        Action<KeycardClusterTlsOptions>? siloTls = null,
        Action<KeycardClusterTlsOptions>? clientTls = null,
        Action<IClientBuilder>? configureClient = null,
        bool connectClient = true,
        FakeTimeProvider? clientTime = null,
        Action<KeycardOrleansClientOptions>? clientOptions = null,
        Action<ISiloBuilder>? configureSilo = null)
    {
        var calls = new GrainCallCounter();
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

            silo.AddIncomingGrainCallFilter(calls);
            KeycardWiring.AddZone(silo.Services, zone, keycard);
            silo.AddKeycardTokenGrains();
            silo.Services.AddKeycardOrleansTokenCache();
            configureSilo?.Invoke(silo);
        });
        builder.ConfigureClientHost(host =>
        {
            host.Services.AddKeycardOrleansTokenCache(clientOptions);
            if (clientTime is not null)
            {
                // The client's clock: the near cache's expiry arithmetic runs on it.
                host.Services.AddSingleton<TimeProvider>(clientTime);
            }
        });
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
        return new TokenCluster(cluster, calls);
    }

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}
