using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// Registers <see cref="KeycardClusterTlsOptions"/> (loaded and validated at start) and the TLS connection middleware
/// built from the validated options. The middleware is added only when TLS is on.
/// </summary>
internal static class ClusterTlsRegistration
{
    /// <summary>
    /// Registers the options, their loader and validator and the middleware, once per service collection; returns the
    /// options builder for the caller's binding or delegate.
    /// </summary>
    public static OptionsBuilder<KeycardClusterTlsOptions> Add(IServiceCollection services, ConfigurationKeyBinder keys, bool forSilo)
    {
        var options = services.AddOptions<KeycardClusterTlsOptions>();
        if (services.Any(d => d.ServiceType == typeof(Marker)))
        {
            return options;
        }

        services.AddSingleton<Marker>();
        services.TryAddSingleton(TimeProvider.System);
        options.ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<KeycardClusterTlsOptions>>(new ClusterTlsCertificateLoader(keys));
        services.AddSingleton<IValidateOptions<KeycardClusterTlsOptions>>(sp => new KeycardClusterTlsOptionsValidator(keys, forSilo, sp.GetRequiredService<TimeProvider>()));
        if (forSilo)
        {
            services.AddOptions<SiloConnectionOptions>().Configure<IOptions<KeycardClusterTlsOptions>, TimeProvider>((connections, tls, time) =>
            {
                if (tls.Value.IsEnabled)
                {
                    var settings = ToOrleans(tls.Value, time);
                    connections.ConfigureSiloInboundConnection(c => c.UseServerTls(settings));
                    connections.ConfigureGatewayInboundConnection(c => c.UseServerTls(settings));
                    connections.ConfigureSiloOutboundConnection(c => c.UseClientTls(settings));
                }
            });
        }
        else
        {
            services.AddOptions<ClientConnectionOptions>().Configure<IOptions<KeycardClusterTlsOptions>, TimeProvider>((connections, tls, time) =>
            {
                if (tls.Value.IsEnabled)
                {
                    var settings = ToOrleans(tls.Value, time);
                    connections.ConfigureConnection(c => c.UseClientTls(settings));
                }
            });
        }

        return options;
    }

    /// <summary>Orleans' TLS settings from validated options: mutual, with our remote check.</summary>
    internal static TlsOptions ToOrleans(KeycardClusterTlsOptions options, TimeProvider time)
    {
        var certificate = options.Certificate ?? throw new InvalidOperationException("Cluster TLS is on but no certificate was loaded; the options validator should have stopped the start.");

        // Copied now: later changes to the options object must not loosen a running check.
        var targetHost = options.EffectiveTargetHost;
        var validator = ClusterCertificateValidation.CreateRemoteValidator(options.RemoteValidation, [.. options.TrustedThumbprints], targetHost, time);
        var tls = new TlsOptions
        {
            LocalCertificate = certificate,

            // Mutual: a silo refuses any peer, silo or client, that presents no acceptable certificate.
            RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
            ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
            HandshakeTimeout = options.HandshakeTimeout,
        };
        if (validator is null)
        {
            tls.AllowAnyRemoteCertificate();
        }
        else
        {
            tls.RemoteCertificateValidation = validator;
        }

        if (targetHost is not null)
        {
            tls.OnAuthenticateAsClient = (_, client) => client.TargetHost = targetHost;
        }

        return tls;
    }

    private sealed class Marker;
}
