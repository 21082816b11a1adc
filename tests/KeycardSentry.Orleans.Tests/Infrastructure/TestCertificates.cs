using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KeycardSentry.Orleans.Internal;

namespace KeycardSentry.Orleans.Tests.Infrastructure;

/// <summary>Self-signed certificates written as password-protected PKCS#12 files in a temporary folder, deleted on dispose.</summary>
internal sealed class TestCertificates : IDisposable
{
    public const string ClusterHost = "cluster.keycardsentry.test";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("keycardsentry-tls-");
    private readonly List<X509Certificate2> _loaded = [];

    public string Folder => _folder.FullName;

    /// <summary>Creates a certificate and its .pfx file; returns the path and SHA-256 thumbprint.</summary>
    public (string Path, string Sha256) Create(
        string name,
        string password,
        string? host = ClusterHost,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? notAfter = null,
        bool serverAuth = true,
        bool clientAuth = true)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // host null: a certificate that names no host at all (no CN, no SAN).
        var request = new CertificateRequest(host is null ? "O=KeycardSentry tests" : $"CN={host}", key, HashAlgorithmName.SHA256);
        if (host is not null)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(host);
            request.CertificateExtensions.Add(names.Build());
        }

        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        var usages = new OidCollection();
        if (serverAuth)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        }

        if (clientAuth)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(notBefore ?? now.AddMinutes(-5), notAfter ?? now.AddDays(1));
        var path = System.IO.Path.Combine(Folder, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return (path, certificate.GetCertHashString(HashAlgorithmName.SHA256));
    }

    /// <summary>TLS settings for a certificate created by <see cref="Create"/> (loaded from its file at start), pinned to <paramref name="trusted"/>.</summary>
    public static Action<KeycardClusterTlsOptions> Options(string path, string password, params string[] trusted) => options =>
    {
        options.CertificatePath = path;
        options.CertificatePassword = password;
        foreach (var thumbprint in trusted)
        {
            options.TrustedThumbprints.Add(thumbprint);
        }
    };

    public X509Certificate2 Load(string path, string password)
    {
        var certificate = ClusterTlsCertificateLoader.Load(path, password);
        _loaded.Add(certificate);
        return certificate;
    }

    public void Dispose()
    {
        foreach (var certificate in _loaded)
        {
            certificate.Dispose();
        }

        _folder.Delete(recursive: true);
    }
}
