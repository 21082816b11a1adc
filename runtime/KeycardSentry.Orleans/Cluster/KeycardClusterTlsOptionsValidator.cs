using Microsoft.Extensions.Options;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// Checks <see cref="KeycardClusterTlsOptions"/> at start, after <see cref="ClusterTlsCertificateLoader"/> loaded the
/// certificate: every failure names its key; the password never appears.
/// </summary>
/// <param name="keys">The binder of the <c>Cluster:Tls</c> section.</param>
/// <param name="forSilo">A silo's certificate must also allow server authentication.</param>
/// <param name="time">The clock the certificate's validity is checked against.</param>
internal sealed class KeycardClusterTlsOptionsValidator(ConfigurationKeyBinder keys, bool forSilo, TimeProvider time) : IValidateOptions<KeycardClusterTlsOptions>
{
    private const string PinHint = "use SHA-256 thumbprints, 64 hex digits (e.g. from 'openssl x509 -noout -fingerprint -sha256 -in cert.pem').";

    public ValidateOptionsResult Validate(string? name, KeycardClusterTlsOptions options)
    {
        var checks = new ConfigurationKeyChecks(keys);
        checks.Flag(nameof(options.AllowAnyRemoteCertificate));
        checks.Time(nameof(options.HandshakeTimeout), options.HandshakeTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        var targetHost = options.TargetHost;
        checks.Check(
            nameof(options.TargetHost),
            targetHost is not null && (targetHost.Length > 253 || targetHost.Any(c => char.IsControl(c) || c == ' ')),
            targetHost,
            "use the DNS name the cluster's certificates are issued for, e.g. cluster.internal.example.");

        if (!options.IsEnabled)
        {
            if (!string.IsNullOrEmpty(options.CertificatePassword) || options.TrustedThumbprints.Count > 0 || options.AllowAnyRemoteCertificate || !string.IsNullOrWhiteSpace(targetHost))
            {
                // Half a TLS configuration most likely means TLS was wanted: refuse rather than run in clear.
                checks.Add($"TLS settings are present but {keys.Describe(nameof(options.CertificatePath))} is not set: set it to the PKCS#12 (.pfx) file of this process's certificate to turn TLS on, or remove the other TLS settings.");
            }

            return checks.Result();
        }

        foreach (var thumbprint in options.TrustedThumbprints.Where(t => !ClusterCertificateValidation.TryNormalizeThumbprint(t, out _)))
        {
            checks.Add($"{keys.Describe(nameof(options.TrustedThumbprints))} has {ConfigurationKeyBinder.Quote(thumbprint)}: {PinHint}");
        }

        if (options.AllowAnyRemoteCertificate && options.TrustedThumbprints.Count > 0)
        {
            checks.Add($"{keys.Describe(nameof(options.AllowAnyRemoteCertificate))} is true and {keys.Describe(nameof(options.TrustedThumbprints))} is set: choose one (pinned thumbprints are the safe way to use self-signed certificates).");
        }

        if (options.CertificateProblem is { } problem)
        {
            checks.Add(problem);
        }
        else if (options.Certificate is { } certificate)
        {
            var source = string.IsNullOrWhiteSpace(options.CertificatePath)
                ? $"The certificate given in code ({nameof(KeycardClusterTlsOptions)}.{nameof(options.Certificate)})"
                : $"{keys.Describe(nameof(options.CertificatePath))} {ConfigurationKeyBinder.Quote(options.CertificatePath.Trim(), 260)}";
            foreach (var local in ClusterCertificateValidation.CheckLocalCertificate(certificate, forSilo, time.GetUtcNow()))
            {
                checks.Add($"{source}: {local}");
            }

            if (options.RemoteValidation == KeycardClusterTlsValidation.CertificateChain && options.EffectiveTargetHost is null)
            {
                checks.Add($"{source} names no DNS host and {keys.Describe(nameof(options.TargetHost))} is not set: set the name the cluster's certificates are issued for, or pin them with {keys.Describe(nameof(options.TrustedThumbprints))}.");
            }
        }

        return checks.Result();
    }
}
