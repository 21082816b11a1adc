using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KeycardSentry.Orleans;

/// <summary>
/// TLS for the cluster's own connections (silo to silo, client to silo gateway), which carry subject tokens and the
/// exchanged access tokens. Mutual: every process presents its certificate and accepts a connection only from a peer
/// whose certificate passes the remote check (see <see cref="RemoteValidation"/>), so a client without a trusted
/// certificate cannot even reach a grain. Bound from <c>Cluster:Tls</c> by <c>UseKeycardCluster(configuration)</c>
/// (or set with <c>UseKeycardClusterTls(...)</c>) and validated when the host starts: the certificate is loaded and
/// checked then, so a wrong path or password stops the start with the key named.
/// </summary>
/// <remarks>
/// TLS is on when <see cref="CertificatePath"/> (or <see cref="Certificate"/>) is set. The remote check, secure by default:
/// <list type="bullet">
/// <item><see cref="KeycardClusterTlsValidation.CertificateChain"/> (default): the peer's certificate must chain to a
/// root this machine trusts, be valid now, and be issued for <see cref="TargetHost"/>, in both directions.</item>
/// <item><see cref="KeycardClusterTlsValidation.PinnedThumbprints"/> (when <see cref="TrustedThumbprints"/> is not
/// empty): the peer's certificate must be one of the listed SHA-256 thumbprints and valid now; its chain and names
/// are not consulted. The way to run with self-signed certificates.</item>
/// <item><see cref="KeycardClusterTlsValidation.AnyCertificate"/> (<see cref="AllowAnyRemoteCertificate"/>): any
/// certificate is accepted. Encrypts, but authenticates nobody: development only.</item>
/// </list>
/// </remarks>
public sealed class KeycardClusterTlsOptions
{
    /// <summary>The configuration section name, <c>Cluster:Tls</c>.</summary>
    public const string SectionName = "Cluster:Tls";

    /// <summary>
    /// This process's certificate with its private key, as a PKCS#12 (.pfx) file. Setting it turns TLS on; the file is
    /// loaded when the host starts.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>
    /// The password of <see cref="CertificatePath"/>. Secret (keep it in the environment or a secret store): used to
    /// open the file, then cleared from these options, and never printed.
    /// </summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// This process's certificate with its private key, already loaded (instead of <see cref="CertificatePath"/>; not
    /// both). Filled from <see cref="CertificatePath"/> at start otherwise.
    /// </summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>
    /// Accept any remote certificate (self-signed development certificates without pinning). Default <c>false</c>.
    /// Cannot be combined with <see cref="TrustedThumbprints"/>.
    /// </summary>
    public bool AllowAnyRemoteCertificate { get; set; }

    /// <summary>
    /// SHA-256 thumbprints (64 hex digits; colons, dashes and spaces are ignored) of the certificates the cluster's
    /// processes present. When not empty, exactly these certificates are accepted from peers. In configuration: an
    /// array, or one string separated by commas or semicolons.
    /// </summary>
    public IList<string> TrustedThumbprints { get; } = new List<string>();

    /// <summary>
    /// The name peers' certificates must be issued for under <see cref="KeycardClusterTlsValidation.CertificateChain"/>
    /// (and the SNI name sent on outbound connections). Default: the DNS name of this process's certificate, which fits
    /// a cluster whose processes share one certificate name.
    /// </summary>
    public string? TargetHost { get; set; }

    /// <summary>How long a TLS handshake may take before the connection is dropped. Default 10 seconds.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>True when TLS is on: <see cref="CertificatePath"/> or <see cref="Certificate"/> is set.</summary>
    public bool IsEnabled => Certificate is not null || !string.IsNullOrWhiteSpace(CertificatePath);

    /// <summary>Which remote check these options select.</summary>
    public KeycardClusterTlsValidation RemoteValidation =>
        AllowAnyRemoteCertificate ? KeycardClusterTlsValidation.AnyCertificate
        : TrustedThumbprints.Count > 0 ? KeycardClusterTlsValidation.PinnedThumbprints
        : KeycardClusterTlsValidation.CertificateChain;

    /// <summary><see cref="TargetHost"/>, or the DNS name of <see cref="Certificate"/>.</summary>
    internal string? EffectiveTargetHost =>
        NullIfBlank(TargetHost) ?? NullIfBlank(Certificate?.GetNameInfo(X509NameType.DnsName, forIssuer: false));

    /// <summary>Why the certificate could not be loaded from <see cref="CertificatePath"/> (set at start, reported by the validator).</summary>
    internal string? CertificateProblem { get; set; }

    /// <summary>One line for logs and banners: the certificate (subject and SHA-256 thumbprint) and the remote check. No secrets.</summary>
    public string Describe()
    {
        if (!IsEnabled)
        {
            return "off";
        }

        var certificate = Certificate is { } c ? $"certificate {c.Subject} (SHA-256 {c.GetCertHashString(HashAlgorithmName.SHA256)})" : "certificate not loaded yet";
        var remote = RemoteValidation switch
        {
            KeycardClusterTlsValidation.AnyCertificate => "any remote certificate accepted (development only: peers are not authenticated)",
            KeycardClusterTlsValidation.PinnedThumbprints => $"remote certificates pinned to {TrustedThumbprints.Count} SHA-256 thumbprint(s)",
            _ => $"remote certificates must chain to a trusted root and be issued for '{EffectiveTargetHost}'",
        };
        return $"{certificate}; mutual TLS, {remote}";
    }

    /// <summary>The same as <see cref="Describe"/>: never the password.</summary>
    public override string ToString() => $"KeycardClusterTlsOptions {{ {Describe()} }}";

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>How a process checks the certificate its peer presents (see <see cref="KeycardClusterTlsOptions"/>).</summary>
public enum KeycardClusterTlsValidation
{
    /// <summary>Chain to a trusted root, valid now, issued for the target host.</summary>
    CertificateChain,

    /// <summary>One of the configured SHA-256 thumbprints, valid now.</summary>
    PinnedThumbprints,

    /// <summary>Anything (development only).</summary>
    AnyCertificate,
}
