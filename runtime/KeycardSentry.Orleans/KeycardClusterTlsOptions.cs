using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KeycardSentry.Orleans.Internal;
using Microsoft.Extensions.Configuration;

namespace KeycardSentry.Orleans;

/// <summary>
/// TLS for the cluster's own connections (silo to silo, client to silo gateway), which carry subject tokens and the
/// exchanged access tokens. Mutual: every process presents <see cref="Certificate"/> and accepts a connection only
/// from a peer whose certificate passes the remote check (see <see cref="RemoteValidation"/>), so a client without a
/// trusted certificate cannot even reach a grain. Apply with <c>UseKeycardClusterTls</c> on the silo and client builders.
/// </summary>
/// <remarks>
/// The remote check, secure by default:
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
    /// <summary>This process's certificate, with its private key. Required.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>
    /// Accept any remote certificate (self-signed development certificates without pinning). Default <c>false</c>.
    /// Cannot be combined with <see cref="TrustedThumbprints"/>.
    /// </summary>
    public bool AllowAnyRemoteCertificate { get; set; }

    /// <summary>
    /// SHA-256 thumbprints (64 hex digits; colons and spaces are ignored) of the certificates the cluster's processes
    /// present. When not empty, exactly these certificates are accepted from peers.
    /// </summary>
    public IList<string> TrustedThumbprints { get; } = new List<string>();

    /// <summary>
    /// The name peers' certificates must be issued for under <see cref="KeycardClusterTlsValidation.CertificateChain"/>
    /// (and the SNI name sent on outbound connections). Default: the DNS name of <see cref="Certificate"/>, which fits
    /// a cluster whose processes share one certificate name.
    /// </summary>
    public string? TargetHost { get; set; }

    /// <summary>How long a TLS handshake may take before the connection is dropped. Default 10 seconds.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Which remote check these options select.</summary>
    public KeycardClusterTlsValidation RemoteValidation =>
        AllowAnyRemoteCertificate ? KeycardClusterTlsValidation.AnyCertificate
        : TrustedThumbprints.Count > 0 ? KeycardClusterTlsValidation.PinnedThumbprints
        : KeycardClusterTlsValidation.CertificateChain;

    /// <summary>
    /// Reads TLS settings from a configuration section (usually <c>Cluster:Tls</c>): <c>CertificatePath</c> (a PKCS#12
    /// / PFX file), <c>CertificatePassword</c>, <c>AllowAnyRemoteCertificate</c>, <c>TrustedThumbprints</c> (an array,
    /// or one string separated by commas or semicolons), <c>TargetHost</c>. Returns <c>null</c> when TLS is off (no
    /// <c>CertificatePath</c>) or when something is wrong; then every problem is in <paramref name="errors"/>, naming
    /// its key. The password is used to open the file and kept nowhere, and never appears in an error.
    /// </summary>
    /// <param name="tlsSection">The section holding the keys.</param>
    /// <param name="forSilo">A silo's certificate must also be allowed for server authentication.</param>
    /// <param name="errors">Receives one message per problem.</param>
    /// <param name="time">The clock the certificate's validity is checked against; default the system clock.</param>
    public static KeycardClusterTlsOptions? Read(IConfiguration tlsSection, bool forSilo, ICollection<string> errors, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(tlsSection);
        ArgumentNullException.ThrowIfNull(errors);
        var keys = new TlsConfigurationKeys(tlsSection is IConfigurationSection s ? s.Path : string.Empty);
        var before = errors.Count;
        var path = tlsSection["CertificatePath"];
        var password = tlsSection["CertificatePassword"];
        var thumbprints = ReadList(tlsSection.GetSection("TrustedThumbprints"));

        var allowAny = false;
        if (tlsSection["AllowAnyRemoteCertificate"] is { Length: > 0 } allowText && !bool.TryParse(allowText, out allowAny))
        {
            errors.Add($"{keys.Describe("AllowAnyRemoteCertificate")} is '{allowText}': use true or false.");
        }

        if (string.IsNullOrWhiteSpace(path))
        {
            if (!string.IsNullOrEmpty(password) || thumbprints.Count > 0 || allowAny || !string.IsNullOrWhiteSpace(tlsSection["TargetHost"]))
            {
                // Half a TLS configuration most likely means TLS was wanted: refuse rather than run in clear.
                errors.Add($"TLS settings are present but {keys.Describe("CertificatePath")} is not set: set it to the PKCS#12 (.pfx) file of this process's certificate to turn TLS on, or remove the other {keys.Section} settings.");
            }

            return null;
        }

        var options = new KeycardClusterTlsOptions { AllowAnyRemoteCertificate = allowAny, TargetHost = NullIfBlank(tlsSection["TargetHost"]) };
        foreach (var thumbprint in thumbprints)
        {
            if (ClusterCertificateValidation.TryNormalizeThumbprint(thumbprint, out var normalized))
            {
                options.TrustedThumbprints.Add(normalized);
            }
            else
            {
                errors.Add($"{keys.Describe("TrustedThumbprints")} has '{thumbprint}': use SHA-256 thumbprints, 64 hex digits (e.g. from 'openssl x509 -noout -fingerprint -sha256 -in cert.pem').");
            }
        }

        if (allowAny && options.TrustedThumbprints.Count > 0)
        {
            errors.Add($"{keys.Describe("AllowAnyRemoteCertificate")} is true and {keys.Describe("TrustedThumbprints")} is set: choose one (pinned thumbprints are the safe way to use self-signed certificates).");
        }

        if (!File.Exists(path))
        {
            errors.Add($"{keys.Describe("CertificatePath")} is '{path}': no such file. Use the path of this process's certificate as a PKCS#12 (.pfx) file with its private key.");
            return null;
        }

        try
        {
            options.Certificate = LoadCertificate(path, password);
        }
        catch (CryptographicException)
        {
            // The exception text is not shown: it adds nothing an operator can act on beyond this message.
            errors.Add($"{keys.Describe("CertificatePath")} '{path}' could not be opened with {keys.Describe("CertificatePassword")}: the password is wrong (or missing), or the file is not a PKCS#12 (.pfx) file.");
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{keys.Describe("CertificatePath")} '{path}' could not be read: {ex.Message}");
            return null;
        }

        foreach (var problem in ClusterCertificateValidation.CheckLocalCertificate(options.Certificate, forSilo, (time ?? TimeProvider.System).GetUtcNow()))
        {
            errors.Add($"{keys.Describe("CertificatePath")} '{path}': {problem}");
        }

        if (options.RemoteValidation == KeycardClusterTlsValidation.CertificateChain && options.EffectiveTargetHost is null)
        {
            errors.Add($"{keys.Describe("CertificatePath")} '{path}' names no DNS host and {keys.Describe("TargetHost")} is not set: set the name the cluster's certificates are issued for, or pin them with {keys.Describe("TrustedThumbprints")}.");
        }

        if (errors.Count > before)
        {
            options.Certificate.Dispose();
            return null;
        }

        return options;
    }

    /// <summary>Loads a PKCS#12 (.pfx) file with its private key.</summary>
    /// <exception cref="CryptographicException">The password does not open the file, or it is not PKCS#12.</exception>
    public static X509Certificate2 LoadCertificate(string path, string? password)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        // Windows needs the key in a key store for SslStream; elsewhere keep it in memory only, nothing written to disk.
        var flags = OperatingSystem.IsWindows() ? X509KeyStorageFlags.DefaultKeySet : X509KeyStorageFlags.EphemeralKeySet;
        return X509CertificateLoader.LoadPkcs12FromFile(path, string.IsNullOrEmpty(password) ? null : password, flags);
    }

    /// <summary>One line for logs and banners: the certificate (subject and SHA-256 thumbprint) and the remote check. No secrets.</summary>
    public string Describe()
    {
        var certificate = Certificate is { } c ? $"certificate {c.Subject} (SHA-256 {c.GetCertHashString(HashAlgorithmName.SHA256)})" : "no certificate";
        var remote = RemoteValidation switch
        {
            KeycardClusterTlsValidation.AnyCertificate => "any remote certificate accepted (development only: peers are not authenticated)",
            KeycardClusterTlsValidation.PinnedThumbprints => $"remote certificates pinned to {TrustedThumbprints.Count} SHA-256 thumbprint(s)",
            _ => $"remote certificates must chain to a trusted root and be issued for '{EffectiveTargetHost}'",
        };
        return $"{certificate}; mutual TLS, {remote}";
    }

    /// <summary><see cref="TargetHost"/>, or the DNS name of <see cref="Certificate"/>.</summary>
    internal string? EffectiveTargetHost =>
        TargetHost ?? NullIfBlank(Certificate?.GetNameInfo(X509NameType.DnsName, forIssuer: false));

    private static List<string> ReadList(IConfigurationSection section)
    {
        var children = section.GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToList();
        if (children.Count > 0)
        {
            return children;
        }

        return section.Value is { } text
            ? [.. text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
            : [];
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private readonly record struct TlsConfigurationKeys(string Section)
    {
        public string Describe(string key)
        {
            var path = Section.Length == 0 ? key : $"{Section}:{key}";
            return $"{path} ({path.Replace(":", "__", StringComparison.Ordinal)})";
        }
    }
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
