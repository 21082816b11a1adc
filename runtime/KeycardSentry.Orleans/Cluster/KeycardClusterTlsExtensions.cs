using KeycardSentry.Orleans.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace KeycardSentry.Orleans;

/// <summary>
/// Turns on TLS for the cluster's connections in code (see <see cref="KeycardClusterTlsOptions"/>).
/// <c>UseKeycardCluster(configuration)</c> does the same from <c>Cluster:Tls</c>; call this one to set the options in
/// code instead, or on top.
/// </summary>
public static class KeycardClusterTlsExtensions
{
    /// <summary>
    /// Encrypts and mutually authenticates this silo's connections: to and from other silos, and from clients through
    /// its gateway. Every silo and client of the cluster must be configured alike. The options are validated (and the
    /// certificate loaded) when the host starts; a problem stops the start with an <c>OptionsValidationException</c>.
    /// </summary>
    public static ISiloBuilder UseKeycardClusterTls(this ISiloBuilder builder, Action<KeycardClusterTlsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        ClusterTlsRegistration.Add(builder.Services, CodeKeys(), forSilo: true).Configure(configure);
        return builder;
    }

    /// <summary>
    /// Encrypts and mutually authenticates this client's gateway connections. The silos must use TLS with a remote
    /// check this client's certificate passes. Validated when the host starts, as on the silo.
    /// </summary>
    public static IClientBuilder UseKeycardClusterTls(this IClientBuilder builder, Action<KeycardClusterTlsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        ClusterTlsRegistration.Add(builder.Services, CodeKeys(), forSilo: false).Configure(configure);
        return builder;
    }

    // Options set in code are still named by their configuration keys in messages (the property names are the same).
    private static ConfigurationKeyBinder CodeKeys() =>
        new(new ConfigurationBuilder().Build().GetSection(KeycardClusterTlsOptions.SectionName), typeof(KeycardClusterTlsOptions), nameof(KeycardClusterTlsOptions.TrustedThumbprints));
}
