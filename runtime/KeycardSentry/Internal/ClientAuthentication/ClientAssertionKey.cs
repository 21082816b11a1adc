using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace KeycardSentry.Internal.ClientAuthentication;

/// <summary>
/// The private key that signs client assertions, loaded from one of the sources of
/// <see cref="KeycardClientAssertionOptions"/>, with its <c>kid</c> and algorithm settled. Owns the key (and certificate)
/// until disposed. Never exposes key material; <see cref="Source"/> names the setting, never a password.
/// </summary>
internal sealed class ClientAssertionKey : IDisposable
{
    private const string Section = "Keycard:ClientAssertion";
    private const long MaxKeyFileBytes = 1024 * 1024;
    private static readonly string[] RsaAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512, SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512];

    private readonly IDisposable[] _owned;

    private ClientAssertionKey(AsymmetricSecurityKey key, string algorithm, string source, DateTimeOffset? notAfter, IDisposable[] owned)
    {
        SigningKey = key;
        Algorithm = algorithm;
        Source = source;
        NotAfter = notAfter;
        _owned = owned;
    }

    /// <summary>The signing key, its <see cref="SecurityKey.KeyId"/> set to the <c>kid</c> to send.</summary>
    public AsymmetricSecurityKey SigningKey { get; }

    /// <summary>The JWS algorithm, e.g. <c>RS256</c>.</summary>
    public string Algorithm { get; }

    /// <summary>Which setting the key came from, e.g. <c>Keycard:ClientAssertion:KeyPath (/etc/app/key.pem)</c>.</summary>
    public string Source { get; }

    /// <summary>When the certificate the key came from expires; null for a bare key.</summary>
    public DateTimeOffset? NotAfter { get; }

    /// <summary>The configured sources (KeyPath, CertificatePath, CertificateThumbprint), by setting name.</summary>
    public static IReadOnlyList<string> ConfiguredSources(KeycardClientAssertionOptions options)
    {
        var sources = new List<string>(3);
        if (!string.IsNullOrWhiteSpace(options.KeyPath))
        {
            sources.Add(nameof(options.KeyPath));
        }

        if (!string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            sources.Add(nameof(options.CertificatePath));
        }

        if (!string.IsNullOrWhiteSpace(options.CertificateThumbprint))
        {
            sources.Add(nameof(options.CertificateThumbprint));
        }

        return sources;
    }

    /// <summary>Loads the key of the one configured source; on failure <paramref name="error"/> says which setting to fix, and how.</summary>
    public static bool TryLoad(KeycardClientAssertionOptions options, TimeProvider timeProvider, out ClientAssertionKey? key, out string? error)
    {
        key = null;
        try
        {
            key = ConfiguredSources(options) switch
            {
                [nameof(options.KeyPath)] => FromPem(options.KeyPath!.Trim(), options),
                [nameof(options.CertificatePath)] => FromCertificate(LoadPkcs12(options.CertificatePath!.Trim(), options.CertificatePassword), $"{Section}:CertificatePath ({options.CertificatePath})", options, timeProvider),
                [nameof(options.CertificateThumbprint)] => FromCertificate(FindInStore(options), $"{Section}:CertificateThumbprint ({options.CertificateThumbprint} in {StoreLocationOf(options)}\\My)", options, timeProvider),
                [] => throw Invalid($"{Section} has no key: set one of {Section}:KeyPath (Keycard__ClientAssertion__KeyPath, a PEM private key), {Section}:CertificatePath (with CertificatePassword, a PKCS#12 file) or {Section}:CertificateThumbprint (a certificate in the store)."),
                var many => throw Invalid($"{Section} has more than one key source ({string.Join(", ", many.Select(s => Section + ":" + s))}): set exactly one."),
            };
            error = null;
            return true;
        }
        catch (ClientAssertionKeyException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    private static ClientAssertionKey FromPem(string path, KeycardClientAssertionOptions options)
    {
        var source = $"{Section}:KeyPath ({path})";
        var text = ReadText(path, $"{Section}:KeyPath (Keycard__ClientAssertion__KeyPath)");
        var labels = new List<string>();
        ReadOnlySpan<char> rest = text;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            labels.Add(label);
            if (label is "PRIVATE KEY" or "RSA PRIVATE KEY" or "EC PRIVATE KEY")
            {
                var der = new byte[fields.DecodedDataLength];
                try
                {
                    if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out _))
                    {
                        throw Invalid($"{source}: the {label} block is not valid base64.");
                    }

                    return FromAsymmetric(ImportPrivateKey(label, der, source), source, null, options, []);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(der);
                }
            }

            rest = rest[fields.Location.End..];
        }

        throw Invalid(labels switch
        {
            [] => $"{source} contains no PEM block: it must hold a PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY).",
            _ when labels.Contains("ENCRYPTED PRIVATE KEY") => $"{source} holds an encrypted private key: store it unencrypted (and protect the file), or use a PKCS#12 file with {Section}:CertificatePath and CertificatePassword.",
            _ => $"{source} has no private key, only {string.Join(", ", labels.Distinct())}: the private part is needed to sign client assertions (Keycard holds only the public key).",
        });
    }

    private static AsymmetricAlgorithm ImportPrivateKey(string label, byte[] der, string source)
    {
        try
        {
            switch (label)
            {
                case "RSA PRIVATE KEY":
                    var rsa = RSA.Create();
                    rsa.ImportRSAPrivateKey(der, out _);
                    return rsa;
                case "EC PRIVATE KEY":
                    var ec = ECDsa.Create();
                    ec.ImportECPrivateKey(der, out _);
                    return ec;
            }

            var pkcs8 = RSA.Create();
            try
            {
                pkcs8.ImportPkcs8PrivateKey(der, out _);
                return pkcs8;
            }
            catch (CryptographicException)
            {
                pkcs8.Dispose();
            }

            var pkcs8Ec = ECDsa.Create();
            pkcs8Ec.ImportPkcs8PrivateKey(der, out _);
            return pkcs8Ec;
        }
        catch (CryptographicException)
        {
            throw Invalid($"{source}: the {label} block could not be read as an RSA or EC private key.");
        }
    }

    private static X509Certificate2 LoadPkcs12(string path, string? password)
    {
        var setting = $"{Section}:CertificatePath (Keycard__ClientAssertion__CertificatePath)";
        if (!File.Exists(path))
        {
            throw Invalid($"{setting}: the file '{path}' does not exist.");
        }

        try
        {
            // Ephemeral: the key never touches the user's key store (macOS has no ephemeral keys).
            var flags = OperatingSystem.IsMacOS() ? X509KeyStorageFlags.DefaultKeySet : X509KeyStorageFlags.EphemeralKeySet;
            return X509CertificateLoader.LoadPkcs12FromFile(path, password, flags);
        }
        catch (CryptographicException)
        {
            throw Invalid($"{setting}: '{path}' could not be opened with {Section}:CertificatePassword (Keycard__ClientAssertion__CertificatePassword): the password is wrong, or the file is not a PKCS#12 (.pfx/.p12) file.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Invalid($"{setting}: '{path}' could not be read: {ex.Message}");
        }
    }

    private static X509Certificate2 FindInStore(KeycardClientAssertionOptions options)
    {
        var setting = $"{Section}:CertificateThumbprint (Keycard__ClientAssertion__CertificateThumbprint)";
        var wanted = string.Concat(options.CertificateThumbprint!.Where(char.IsAsciiHexDigit)).ToUpperInvariant();
        if (wanted.Length is not (40 or 64) || wanted.Length != options.CertificateThumbprint!.Count(c => !char.IsWhiteSpace(c) && c != ':'))
        {
            throw Invalid($"{setting} must be a SHA-1 (40 hex digits) or SHA-256 (64 hex digits) certificate thumbprint.");
        }

        var location = StoreLocationOf(options);
        X509Certificate2Collection certificates;
        try
        {
            using var store = new X509Store(StoreName.My, location);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            certificates = store.Certificates;
        }
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            throw Invalid($"{setting}: the {location}\\My certificate store could not be opened ({ex.Message}). Check {Section}:StoreLocation, or use {Section}:CertificatePath.");
        }

        X509Certificate2? found = null;
        foreach (var certificate in certificates)
        {
            var thumbprint = wanted.Length == 40 ? certificate.Thumbprint : certificate.GetCertHashString(HashAlgorithmName.SHA256);
            if (found is null && string.Equals(thumbprint, wanted, StringComparison.OrdinalIgnoreCase))
            {
                found = certificate;
            }
            else
            {
                certificate.Dispose();
            }
        }

        return found ?? throw Invalid($"{setting}: no certificate with thumbprint {wanted} in the {location}\\My store.");
    }

    private static ClientAssertionKey FromCertificate(X509Certificate2 certificate, string source, KeycardClientAssertionOptions options, TimeProvider timeProvider)
    {
        try
        {
            var now = timeProvider.GetUtcNow();
            if (now >= certificate.NotAfter.ToUniversalTime())
            {
                throw Invalid($"{source}: the certificate expired at {certificate.NotAfter.ToUniversalTime():O}: renew it and register the new public key in Keycard.");
            }

            if (now < certificate.NotBefore.ToUniversalTime())
            {
                throw Invalid($"{source}: the certificate is not valid before {certificate.NotBefore.ToUniversalTime():O}.");
            }

            if (!certificate.HasPrivateKey)
            {
                throw Invalid($"{source}: the certificate has no private key: the private part is needed to sign client assertions.");
            }

            AsymmetricAlgorithm? key;
            try
            {
                key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey();
            }
            catch (CryptographicException)
            {
                throw Invalid($"{source}: the certificate's private key could not be opened (is it accessible to this process's account?).");
            }

            if (key is null)
            {
                throw Invalid($"{source}: the certificate's key is neither RSA nor EC.");
            }

            return FromAsymmetric(key, source, new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), options, [certificate]);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    private static ClientAssertionKey FromAsymmetric(AsymmetricAlgorithm key, string source, DateTimeOffset? notAfter, KeycardClientAssertionOptions options, IDisposable[] alsoOwned)
    {
        try
        {
            var (securityKey, allowed) = key switch
            {
                RSA rsa when rsa.KeySize < 2048 => throw Invalid($"{source}: the RSA key has {rsa.KeySize} bits; at least 2048 are needed."),
                RSA rsa => ((AsymmetricSecurityKey)new RsaSecurityKey(rsa), RsaAlgorithms),
                ECDsa ec => (new ECDsaSecurityKey(ec), ec.KeySize switch
                {
                    256 => [SecurityAlgorithms.EcdsaSha256],
                    384 => [SecurityAlgorithms.EcdsaSha384],
                    521 => [SecurityAlgorithms.EcdsaSha512],
                    _ => throw Invalid($"{source}: the EC key's curve ({ec.KeySize} bits) is not P-256, P-384 or P-521."),
                }),
                _ => throw Invalid($"{source}: the key is neither RSA nor EC."),
            };

            var algorithm = string.IsNullOrWhiteSpace(options.Algorithm) ? allowed[0] : options.Algorithm.Trim();
            if (!allowed.Contains(algorithm, StringComparer.Ordinal))
            {
                throw Invalid($"{Section}:Algorithm (Keycard__ClientAssertion__Algorithm) '{MessageText.Sanitize(algorithm, 32)}' does not fit the {(key is RSA ? "RSA" : "EC")} key of {source}: use one of {string.Join(", ", allowed)}.");
            }

            if (options.KeyId is { } kid && (kid.Length > 256 || !OAuthSyntax.IsVsChars(kid) || string.IsNullOrWhiteSpace(kid)))
            {
                throw Invalid($"{Section}:KeyId (Keycard__ClientAssertion__KeyId) must be 1 to 256 printable ASCII characters.");
            }

            securityKey.KeyId = options.KeyId ?? Base64UrlEncoder.Encode(securityKey.ComputeJwkThumbprint());
            return new ClientAssertionKey(securityKey, algorithm, source, notAfter, [key, .. alsoOwned]);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static string ReadText(string path, string setting)
    {
        try
        {
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                throw Invalid($"{setting}: the file '{path}' does not exist.");
            }

            if (file.Length > MaxKeyFileBytes)
            {
                throw Invalid($"{setting}: '{path}' is {file.Length} bytes; a key file is at most {MaxKeyFileBytes} bytes.");
            }

            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Invalid($"{setting}: '{path}' could not be read: {ex.Message}");
        }
    }

    internal static StoreLocation StoreLocationOf(KeycardClientAssertionOptions options) =>
        string.IsNullOrWhiteSpace(options.StoreLocation) || options.StoreLocation.Trim().Equals(nameof(System.Security.Cryptography.X509Certificates.StoreLocation.CurrentUser), StringComparison.OrdinalIgnoreCase)
            ? System.Security.Cryptography.X509Certificates.StoreLocation.CurrentUser
            : System.Security.Cryptography.X509Certificates.StoreLocation.LocalMachine;

    private static ClientAssertionKeyException Invalid(string message) => new(message);

    private sealed class ClientAssertionKeyException(string message) : Exception(message);
}
