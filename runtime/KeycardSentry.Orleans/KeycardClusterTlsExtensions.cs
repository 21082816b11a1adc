using System.Security.Cryptography.X509Certificates;
using KeycardSentry.Orleans.Internal;
using Orleans.Connections.Security;

namespace KeycardSentry.Orleans;

/// <summary>Turns on TLS for the cluster's connections (see <see cref="KeycardClusterTlsOptions"/>) in one call.</summary>
public static class KeycardClusterTlsExtensions
{
    /// <summary>
    /// Encrypts and mutually authenticates this silo's connections: to and from other silos, and from clients through
    /// its gateway. Every silo and client of the cluster must be configured alike.
    /// </summary>
    /// <exception cref="ArgumentException">The options are incomplete or contradictory, or the certificate cannot serve.</exception>
    public static ISiloBuilder UseKeycardClusterTls(this ISiloBuilder builder, KeycardClusterTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = Snapshot(options, forSilo: true);
        return builder.UseTls(settings.Certificate, tls => settings.Apply(tls));
    }

    /// <summary>
    /// Encrypts and mutually authenticates this client's gateway connections. The silos must use
    /// <see cref="UseKeycardClusterTls(ISiloBuilder, KeycardClusterTlsOptions)"/> with a remote check this client's
    /// certificate passes.
    /// </summary>
    /// <exception cref="ArgumentException">The options are incomplete or contradictory, or the certificate cannot serve.</exception>
    public static IClientBuilder UseKeycardClusterTls(this IClientBuilder builder, KeycardClusterTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = Snapshot(options, forSilo: false);
        return builder.UseTls(settings.Certificate, tls => settings.Apply(tls));
    }

    private static TlsSettings Snapshot(KeycardClusterTlsOptions options, bool forSilo)
    {
        ArgumentNullException.ThrowIfNull(options);
        var certificate = options.Certificate
            ?? throw new ArgumentException($"{nameof(KeycardClusterTlsOptions)}.{nameof(KeycardClusterTlsOptions.Certificate)} is required.", nameof(options));
        var problems = ClusterCertificateValidation.CheckLocalCertificate(certificate, forSilo, TimeProvider.System.GetUtcNow()).ToList();

        var pins = new List<string>();
        foreach (var thumbprint in options.TrustedThumbprints)
        {
            if (ClusterCertificateValidation.TryNormalizeThumbprint(thumbprint, out var normalized))
            {
                pins.Add(normalized);
            }
            else
            {
                problems.Add($"trusted thumbprint '{thumbprint}' is not a SHA-256 thumbprint (64 hex digits).");
            }
        }

        if (options.AllowAnyRemoteCertificate && pins.Count > 0)
        {
            problems.Add("AllowAnyRemoteCertificate and TrustedThumbprints cannot be combined.");
        }

        var mode = options.RemoteValidation;
        var targetHost = options.EffectiveTargetHost;
        if (mode == KeycardClusterTlsValidation.CertificateChain && targetHost is null)
        {
            problems.Add("the certificate names no DNS host and no TargetHost is set: set TargetHost or TrustedThumbprints.");
        }

        if (!(options.HandshakeTimeout > TimeSpan.Zero))
        {
            problems.Add("HandshakeTimeout must be positive.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Cluster TLS cannot be configured: {string.Join(" ", problems)}", nameof(options));
        }

        // Copied now: later changes to the options object must not loosen a running check.
        var validator = ClusterCertificateValidation.CreateRemoteValidator(mode, pins, targetHost, TimeProvider.System);
        return new TlsSettings(certificate, validator, targetHost, options.HandshakeTimeout);
    }

    private sealed record TlsSettings(X509Certificate2 Certificate, RemoteCertificateValidator? Validator, string? TargetHost, TimeSpan HandshakeTimeout)
    {
        public void Apply(TlsOptions tls)
        {
            // Mutual: a silo refuses any peer, silo or client, that presents no acceptable certificate.
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.HandshakeTimeout = HandshakeTimeout;
            if (Validator is null)
            {
                tls.AllowAnyRemoteCertificate();
            }
            else
            {
                tls.RemoteCertificateValidation = Validator;
            }

            if (TargetHost is { } host)
            {
                tls.OnAuthenticateAsClient = (_, client) => client.TargetHost = host;
            }
        }
    }
}
