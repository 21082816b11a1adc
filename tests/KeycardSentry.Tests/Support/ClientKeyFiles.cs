using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace KeycardSentry.Tests.Support;

/// <summary>
/// Client keys for <c>private_key_jwt</c> tests, written to a temporary folder the way an operator would deploy them
/// (PEM, PKCS#12), each with the public key the zone registers under the <c>kid</c> the runtime sends by default (the
/// RFC 7638 thumbprint).
/// </summary>
public sealed class ClientKeyFiles : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("keycard-client-keys-");
    private readonly List<IDisposable> _owned = [];

    /// <summary>Writes text to a new file in the folder and returns its path.</summary>
    public string Write(string name, string content)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Writes bytes to a new file in the folder and returns its path.</summary>
    public string Write(string name, byte[] content)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>A new RSA key as PEM (PKCS#8 <c>PRIVATE KEY</c>, or PKCS#1 <c>RSA PRIVATE KEY</c>), and its public key for the zone.</summary>
    public (string Path, SecurityKey PublicKey) RsaPem(int bits = 2048, bool pkcs1 = false, string? keyId = null)
    {
        using var rsa = RSA.Create(bits);
        var pem = pkcs1 ? rsa.ExportRSAPrivateKeyPem() : rsa.ExportPkcs8PrivateKeyPem();
        return (Write($"rsa-{Guid.NewGuid():N}.pem", pem), PublicRsa(rsa.ExportParameters(false), keyId));
    }

    /// <summary>A new EC key as PEM (<c>EC PRIVATE KEY</c>, or PKCS#8), and its public key for the zone.</summary>
    public (string Path, SecurityKey PublicKey) EcPem(ECCurve curve, bool pkcs8 = false, string? keyId = null)
    {
        using var ec = ECDsa.Create(curve);
        var pem = pkcs8 ? ec.ExportPkcs8PrivateKeyPem() : ec.ExportECPrivateKeyPem();
        var publicKey = ECDsa.Create(ec.ExportParameters(false));
        _owned.Add(publicKey);
        return (Write($"ec-{Guid.NewGuid():N}.pem", pem), WithKeyId(new ECDsaSecurityKey(publicKey), keyId));
    }

    /// <summary>A self-signed RSA certificate valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>.</summary>
    public X509Certificate2 Certificate(DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=keycard-test-client", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var certificate = request.CreateSelfSigned(notBefore, notAfter);
        _owned.Add(certificate);
        return certificate;
    }

    /// <summary>Writes <paramref name="certificate"/> as PKCS#12 (with its private key unless <paramref name="publicOnly"/>) under <paramref name="password"/>.</summary>
    public string Pkcs12(X509Certificate2 certificate, string password, bool publicOnly = false)
    {
        using var exported = publicOnly ? X509CertificateLoader.LoadCertificate(certificate.RawData) : null;
        return Write($"cert-{Guid.NewGuid():N}.pfx", (exported ?? certificate).Export(X509ContentType.Pkcs12, password));
    }

    /// <summary>The public key of <paramref name="certificate"/>, as the zone registers it.</summary>
    public static SecurityKey PublicKeyOf(X509Certificate2 certificate, string? keyId = null)
    {
        using var rsa = certificate.GetRSAPublicKey()!;
        return PublicRsa(rsa.ExportParameters(false), keyId);
    }

    /// <summary>The RFC 7638 thumbprint the runtime uses as <c>kid</c> when <c>Keycard:ClientAssertion:KeyId</c> is not set.</summary>
    public static string Thumbprint(SecurityKey key) => Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _directory.Delete(recursive: true);
    }

    private static SecurityKey PublicRsa(RSAParameters parameters, string? keyId) => WithKeyId(new RsaSecurityKey(parameters), keyId);

    private static SecurityKey WithKeyId(SecurityKey key, string? keyId)
    {
        key.KeyId = keyId ?? Thumbprint(key);
        return key;
    }
}
