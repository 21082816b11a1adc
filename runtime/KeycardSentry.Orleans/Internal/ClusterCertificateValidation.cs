using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace KeycardSentry.Orleans.Internal;

/// <summary>The checks behind <see cref="KeycardClusterTlsOptions"/>: of this process's certificate, and of a peer's.</summary>
internal static class ClusterCertificateValidation
{
    private const string ServerAuthenticationOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Uppercase hex without separators, if <paramref name="text"/> is a SHA-256 thumbprint.</summary>
    public static bool TryNormalizeThumbprint(string text, out string normalized)
    {
        normalized = new string([.. text.Where(c => c is not (':' or ' ' or '-')).Select(char.ToUpperInvariant)]);
        return normalized.Length == 64 && normalized.All(char.IsAsciiHexDigit);
    }

    /// <summary>Why this process's certificate cannot serve cluster TLS (empty when it can).</summary>
    public static IEnumerable<string> CheckLocalCertificate(X509Certificate2 certificate, bool forSilo, DateTimeOffset now)
    {
        if (!certificate.HasPrivateKey)
        {
            yield return "the file holds no private key; export the certificate with its private key.";
        }

        if (now < new DateTimeOffset(certificate.NotBefore))
        {
            yield return $"the certificate is not valid before {new DateTimeOffset(certificate.NotBefore).ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)}.";
        }

        if (now > new DateTimeOffset(certificate.NotAfter))
        {
            yield return $"the certificate expired at {new DateTimeOffset(certificate.NotAfter).ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)}.";
        }

        // Every connection is mutual TLS: all processes authenticate as clients, silos as servers too.
        if (!AllowsUsage(certificate, ClientAuthenticationOid))
        {
            yield return $"its Extended Key Usage does not include client authentication ({ClientAuthenticationOid}), which every cluster connection needs (mutual TLS).";
        }

        if (forSilo && !AllowsUsage(certificate, ServerAuthenticationOid))
        {
            yield return $"its Extended Key Usage does not include server authentication ({ServerAuthenticationOid}), which a silo needs.";
        }
    }

    /// <summary>
    /// The check of a peer's certificate, or <c>null</c> for <see cref="KeycardClusterTlsValidation.AnyCertificate"/>.
    /// Orleans skips its own policy-error check once a callback is set, so each callback decides on the errors itself.
    /// </summary>
    public static RemoteCertificateValidator? CreateRemoteValidator(KeycardClusterTlsValidation mode, IEnumerable<string> pinnedThumbprints, string? targetHost, TimeProvider time)
    {
        switch (mode)
        {
            case KeycardClusterTlsValidation.AnyCertificate:
                return null;
            case KeycardClusterTlsValidation.PinnedThumbprints:
                var pins = pinnedThumbprints.ToHashSet(StringComparer.Ordinal);
                return (certificate, _, errors) => IsPinned(certificate, errors, pins, time.GetUtcNow());
            default:
                ArgumentException.ThrowIfNullOrWhiteSpace(targetHost);
                return (certificate, _, errors) => IsTrustedForHost(certificate, errors, targetHost);
        }
    }

    /// <summary>
    /// A pinned certificate is trusted by its thumbprint alone (chain and name errors are expected for self-signed
    /// certificates), but still only while it is valid.
    /// </summary>
    internal static bool IsPinned(X509Certificate2 certificate, SslPolicyErrors errors, IReadOnlySet<string> pins, DateTimeOffset now) =>
        (errors & SslPolicyErrors.RemoteCertificateNotAvailable) == 0
        && now >= new DateTimeOffset(certificate.NotBefore)
        && now <= new DateTimeOffset(certificate.NotAfter)
        && pins.Contains(certificate.GetCertHashString(HashAlgorithmName.SHA256));

    /// <summary>
    /// No platform errors (chain to a trusted root, validity; on outbound connections also the name), and issued for
    /// the cluster's name: the platform checks no name on inbound connections, and a client certificate from any
    /// public CA must not open the gateway.
    /// </summary>
    internal static bool IsTrustedForHost(X509Certificate2 certificate, SslPolicyErrors errors, string targetHost) =>
        errors == SslPolicyErrors.None && certificate.MatchesHostname(targetHost);

    private static bool AllowsUsage(X509Certificate2 certificate, string oid)
    {
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().ToList();
        return usages.Count == 0 || usages.Any(u => u.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == oid));
    }
}
