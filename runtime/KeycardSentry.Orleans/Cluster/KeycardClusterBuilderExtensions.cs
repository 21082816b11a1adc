using KeycardSentry.Orleans.Internal;
using Microsoft.Extensions.Configuration;

namespace KeycardSentry.Orleans;

/// <summary>
/// Joins a silo or an Orleans client to the KeycardSentry cluster from configuration, in one call shared by the silo
/// host, client apps and tests: <see cref="KeycardClusterOptions"/> from <c>Cluster</c> (membership, ids, ports,
/// timing) and <see cref="KeycardClusterTlsOptions"/> from <c>Cluster:Tls</c>, validated when the host starts.
/// </summary>
/// <example>
/// <code>
/// builder.UseOrleansClient(client => client.UseKeycardCluster(builder.Configuration));
/// builder.UseOrleans(silo => silo.UseKeycardCluster(builder.Configuration).AddKeycardTokenGrains(builder.Configuration.GetSection("Keycard")));
/// </code>
/// </example>
public static class KeycardClusterBuilderExtensions
{
    /// <summary>
    /// Configures this silo's membership (localhost or Redis), cluster and service ids, silo and gateway ports,
    /// advertised address, grain directory, failure detection and cluster TLS from the <c>Cluster</c> section of
    /// <paramref name="configuration"/>. A configuration error stops the host's start with an
    /// <c>OptionsValidationException</c> whose failures each name the key and its environment variable.
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="configuration">The app's configuration (its <c>Cluster</c> section is read), or that section itself.</param>
    public static ISiloBuilder UseKeycardCluster(this ISiloBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var requested = ClusterRegistration.AddOptions(builder.Services, ClusterSection(configuration), forSilo: true);
        ClusterRegistration.ConfigureSilo(builder, requested);
        return builder;
    }

    /// <summary>
    /// Configures how this client finds the silos (localhost gateway or Redis), the cluster and service ids, its
    /// response timeout and gateway refresh, and cluster TLS from the <c>Cluster</c> section of
    /// <paramref name="configuration"/>: the same keys the silos read. A configuration error stops the host's start
    /// with an <c>OptionsValidationException</c> whose failures each name the key and its environment variable.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="configuration">The app's configuration (its <c>Cluster</c> section is read), or that section itself.</param>
    public static IClientBuilder UseKeycardCluster(this IClientBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var requested = ClusterRegistration.AddOptions(builder.Services, ClusterSection(configuration), forSilo: false);
        ClusterRegistration.ConfigureClient(builder, requested.Mode);
        return builder;
    }

    private static IConfiguration ClusterSection(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration is IConfigurationSection { Key: var key } section && string.Equals(key, KeycardClusterOptions.SectionName, StringComparison.OrdinalIgnoreCase)
            ? section
            : configuration.GetSection(KeycardClusterOptions.SectionName);
    }
}
