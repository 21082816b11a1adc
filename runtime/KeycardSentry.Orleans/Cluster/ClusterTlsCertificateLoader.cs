using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// Completes <see cref="KeycardClusterTlsOptions"/> when they are first used (at start, by ValidateOnStart): loads the
/// certificate from <see cref="KeycardClusterTlsOptions.CertificatePath"/> and then forgets the password, and writes
/// pinned thumbprints in one form. A file that cannot be loaded is left for the validator to report, with its key.
/// </summary>
internal sealed class ClusterTlsCertificateLoader(ConfigurationKeyBinder keys) : IPostConfigureOptions<KeycardClusterTlsOptions>
{
    public void PostConfigure(string? name, KeycardClusterTlsOptions options)
    {
        for (var i = 0; i < options.TrustedThumbprints.Count; i++)
        {
            if (ClusterCertificateValidation.TryNormalizeThumbprint(options.TrustedThumbprints[i], out var normalized))
            {
                options.TrustedThumbprints[i] = normalized;
            }
        }

        var path = options.CertificatePath?.Trim();
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        var password = options.CertificatePassword;
        options.CertificatePassword = null;
        var pathKey = keys.Describe(nameof(KeycardClusterTlsOptions.CertificatePath));
        var shown = ConfigurationKeyBinder.Quote(path, 260);
        if (options.Certificate is not null)
        {
            options.CertificateProblem = $"{pathKey} is set and a certificate was also given in code ({nameof(KeycardClusterTlsOptions)}.{nameof(KeycardClusterTlsOptions.Certificate)}): set one of them.";
            return;
        }

        if (!File.Exists(path))
        {
            options.CertificateProblem = $"{pathKey} is {shown}: no such file. Use the path of this process's certificate as a PKCS#12 (.pfx) file with its private key.";
            return;
        }

        try
        {
            options.Certificate = Load(path, password);
        }
        catch (CryptographicException)
        {
            // The exception text is not shown: it adds nothing an operator can act on beyond this message.
            options.CertificateProblem = $"{pathKey} {shown} could not be opened with {keys.Describe(nameof(KeycardClusterTlsOptions.CertificatePassword))}: the password is wrong (or missing), or the file is not a PKCS#12 (.pfx) file.";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            options.CertificateProblem = $"{pathKey} {shown} could not be read: {ConfigurationKeyBinder.Quote(ex.Message, 200)}";
        }
    }

    /// <summary>Loads a PKCS#12 (.pfx) file with its private key.</summary>
    /// <exception cref="CryptographicException">The password does not open the file, or it is not PKCS#12.</exception>
    internal static X509Certificate2 Load(string path, string? password)
    {
        // Windows needs the key in a key store for SslStream; elsewhere keep it in memory only, nothing written to disk.
        var flags = OperatingSystem.IsWindows() ? X509KeyStorageFlags.DefaultKeySet : X509KeyStorageFlags.EphemeralKeySet;
        return X509CertificateLoader.LoadPkcs12FromFile(path, string.IsNullOrEmpty(password) ? null : password, flags);
    }
}
