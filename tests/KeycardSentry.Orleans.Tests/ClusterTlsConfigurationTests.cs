using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KeycardSentry.Orleans.Internal;
using KeycardSentry.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// Binding and validating <c>Cluster:Tls</c> (<see cref="KeycardClusterTlsOptions"/>, as <c>UseKeycardCluster</c> registers
/// them), the checks of the local certificate, and the remote certificate checks.
/// </summary>
public sealed class ClusterTlsConfigurationTests
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public void NoTlsKeys_TlsOff_NoErrors()
    {
        var errors = new List<string>();
        var options = Read(new Dictionary<string, string?> { ["Cluster:Mode"] = "Localhost" }, errors);
        Assert.Empty(errors);
        Assert.NotNull(options);
        Assert.False(options.IsEnabled);
        Assert.Equal("off", options.Describe());
    }

    [Fact]
    public void MissingCertificateFile_ErrorNamesTheKeyAndPath()
    {
        var errors = new List<string>();
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "cluster.pfx");

        Assert.Null(Read(new() { ["Cluster:Tls:CertificatePath"] = missing, ["Cluster:Tls:CertificatePassword"] = Password }, errors));

        var error = Assert.Single(errors);
        Assert.Contains("Cluster:Tls:CertificatePath (Cluster__Tls__CertificatePath)", error, StringComparison.Ordinal);
        Assert.Contains(missing, error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongPassword_ErrorNamesBothKeys_AndNeverThePassword()
    {
        using var certificates = new TestCertificates();
        var (path, _) = certificates.Create("silo", Password);
        var errors = new List<string>();
        const string wrong = "wrong-password-1234";

        Assert.Null(Read(new() { ["Cluster:Tls:CertificatePath"] = path, ["Cluster:Tls:CertificatePassword"] = wrong }, errors));

        var error = Assert.Single(errors);
        Assert.Contains("Cluster:Tls:CertificatePath", error, StringComparison.Ordinal);
        Assert.Contains("Cluster:Tls:CertificatePassword", error, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
    }

    [Fact]
    public void NotAPfxFile_IsAConfigurationError()
    {
        using var certificates = new TestCertificates();
        var path = Path.Combine(certificates.Folder, "not-a.pfx");
        File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n");
        var errors = new List<string>();

        Assert.Null(Read(new() { ["Cluster:Tls:CertificatePath"] = path }, errors));
        Assert.Contains("Cluster:Tls:CertificatePath", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void TlsSettingsWithoutCertificatePath_AreRefused_NotSilentlyClear()
    {
        var errors = new List<string>();
        Assert.Null(Read(new() { ["Cluster:Tls:CertificatePassword"] = Password, ["Cluster:Tls:AllowAnyRemoteCertificate"] = "true" }, errors));

        var error = Assert.Single(errors);
        Assert.Contains("Cluster:Tls:CertificatePath (Cluster__Tls__CertificatePath) is not set", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
    }

    [Fact]
    public void PinnedThumbprints_FromArrayOrSeparatedString_AreNormalized()
    {
        using var certificates = new TestCertificates();
        var (path, thumbprint) = certificates.Create("silo", Password);
        var (_, other) = certificates.Create("client", Password);
        var colons = string.Join(':', Enumerable.Range(0, 32).Select(i => thumbprint.Substring(i * 2, 2))).ToLowerInvariant();

        var fromArray = Read(new() { ["Cluster:Tls:CertificatePath"] = path, ["Cluster:Tls:CertificatePassword"] = Password, ["Cluster:Tls:TrustedThumbprints:0"] = colons, ["Cluster:Tls:TrustedThumbprints:1"] = other }, []);
        var fromString = Read(new() { ["Cluster:Tls:CertificatePath"] = path, ["Cluster:Tls:CertificatePassword"] = Password, ["Cluster:Tls:TrustedThumbprints"] = $"{colons}; {other}" }, []);

        foreach (var options in new[] { fromArray, fromString })
        {
            Assert.NotNull(options);
            Assert.Equal(KeycardClusterTlsValidation.PinnedThumbprints, options.RemoteValidation);
            Assert.Equal([thumbprint, other], options.TrustedThumbprints);
            Assert.True(options.Certificate!.HasPrivateKey);
            Assert.Contains(thumbprint, options.Describe(), StringComparison.Ordinal);
            Assert.DoesNotContain(Password, options.Describe(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DefaultValidation_IsChain_AgainstTheCertificatesDnsName()
    {
        using var certificates = new TestCertificates();
        var (path, _) = certificates.Create("silo", Password);

        var options = Read(new() { ["Cluster:Tls:CertificatePath"] = path, ["Cluster:Tls:CertificatePassword"] = Password }, []);

        Assert.NotNull(options);
        Assert.False(options.AllowAnyRemoteCertificate);
        Assert.Equal(KeycardClusterTlsValidation.CertificateChain, options.RemoteValidation);
        Assert.Equal(TestCertificates.ClusterHost, options.EffectiveTargetHost);
    }

    [Theory]
    [InlineData("AllowAnyRemoteCertificate", "maybe", "use true or false")]
    [InlineData("TrustedThumbprints", "ABCDEF", "SHA-256 thumbprints")]
    [InlineData("HandshakeTimeout", "soon", "use a time span")]
    [InlineData("HandshakeTimeout", "-00:00:01", "use a time span")]
    [InlineData("HandshakeTimeout", "01:00:00", "use a time span")]
    [InlineData("TargetHost", "two words", "DNS name")]
    [InlineData("CertificateFile", "x.pfx", "is not a setting here")]
    public void BadValues_NameTheirKeys(string key, string value, string hint)
    {
        using var certificates = new TestCertificates();
        var (path, _) = certificates.Create("silo", Password);
        var errors = new List<string>();

        Assert.Null(Read(new() { ["Cluster:Tls:CertificatePath"] = path, ["Cluster:Tls:CertificatePassword"] = Password, [$"Cluster:Tls:{key}"] = value }, errors));

        var error = Assert.Single(errors);
        Assert.Contains($"Cluster:Tls:{key} (Cluster__Tls__{key})", error, StringComparison.Ordinal);
        Assert.Contains(hint, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowAnyAndPins_CannotBeCombined()
    {
        using var certificates = new TestCertificates();
        var (path, thumbprint) = certificates.Create("silo", Password);
        var errors = new List<string>();

        Assert.Null(Read(new() { ["Cluster:Tls:CertificatePath"] = path, ["Cluster:Tls:CertificatePassword"] = Password, ["Cluster:Tls:AllowAnyRemoteCertificate"] = "true", ["Cluster:Tls:TrustedThumbprints"] = thumbprint }, errors));
        Assert.Contains("choose one", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void ExpiredCertificate_IsAConfigurationError()
    {
        using var certificates = new TestCertificates();
        var (path, _) = certificates.Create("silo", Password);
        var errors = new List<string>();
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(2));

        Assert.Null(Read(new() { ["Cluster:Tls:CertificatePath"] = path, ["Cluster:Tls:CertificatePassword"] = Password }, errors, later));
        Assert.Contains("expired", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void ClientOnlyCertificate_ServesAClient_NotASilo()
    {
        using var certificates = new TestCertificates();
        var (path, _) = certificates.Create("client", Password, serverAuth: false);
        var keys = new Dictionary<string, string?> { ["Cluster:Tls:CertificatePath"] = path, ["Cluster:Tls:CertificatePassword"] = Password };

        var siloErrors = new List<string>();
        Assert.Null(Read(keys, siloErrors, forSilo: true));
        Assert.Contains("server authentication", Assert.Single(siloErrors), StringComparison.Ordinal);

        var clientErrors = new List<string>();
        Assert.NotNull(Read(keys, clientErrors, forSilo: false));
        Assert.Empty(clientErrors);
    }

    [Fact]
    public void UseKeycardClusterTls_InCode_RefusesSettingsWithoutCertificate_AtStart()
    {
        var services = new ServiceCollection();
        var client = new ClientBuilder(services, new ConfigurationBuilder().Build());
        client.UseKeycardClusterTls(o => o.AllowAnyRemoteCertificate = true);
        using var provider = services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KeycardClusterTlsOptions>>().Value);
        Assert.Contains("Cluster:Tls:CertificatePath (Cluster__Tls__CertificatePath) is not set", Assert.Single(failure.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void CertificateLoadedAtStart_PasswordForgotten_NeverInDescribeOrToString()
    {
        using var certificates = new TestCertificates();
        var (path, thumbprint) = certificates.Create("silo", Password);

        var options = Read(new() { ["Cluster:Tls:CertificatePath"] = path, ["Cluster:Tls:CertificatePassword"] = Password, ["Cluster:Tls:HandshakeTimeout"] = "00:00:03" }, []);

        Assert.NotNull(options);
        Assert.True(options.IsEnabled);
        Assert.True(options.Certificate!.HasPrivateKey);
        Assert.Null(options.CertificatePassword);
        Assert.Equal(TimeSpan.FromSeconds(3), options.HandshakeTimeout);
        Assert.Contains(thumbprint, options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CertificateWithoutHostName_NeedsTargetHostOrPins()
    {
        using var certificates = new TestCertificates();
        var (path, thumbprint) = certificates.Create("silo", Password, host: null);
        var keys = new Dictionary<string, string?> { ["Cluster:Tls:CertificatePath"] = path, ["Cluster:Tls:CertificatePassword"] = Password };

        var errors = new List<string>();
        Assert.Null(Read(keys, errors));
        Assert.Contains("Cluster:Tls:TargetHost (Cluster__Tls__TargetHost) is not set", Assert.Single(errors), StringComparison.Ordinal);

        Assert.NotNull(Read(new(keys) { ["Cluster:Tls:TargetHost"] = TestCertificates.ClusterHost }, []));
        Assert.NotNull(Read(new(keys) { ["Cluster:Tls:TrustedThumbprints"] = thumbprint }, []));
    }

    [Fact]
    public void PinnedCheck_AcceptsOnlyListedCertificates_WhileValid()
    {
        using var certificates = new TestCertificates();
        var (path, thumbprint) = certificates.Create("silo", Password);
        var (otherPath, _) = certificates.Create("other", Password);
        var certificate = certificates.Load(path, Password);
        var other = certificates.Load(otherPath, Password);
        var pins = new HashSet<string>([thumbprint], StringComparer.Ordinal);
        var now = DateTimeOffset.UtcNow;

        // Chain and name errors are what a self-signed certificate brings: the pin decides.
        Assert.True(ClusterCertificateValidation.IsPinned(certificate, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch, pins, now));
        Assert.False(ClusterCertificateValidation.IsPinned(other, SslPolicyErrors.None, pins, now));
        Assert.False(ClusterCertificateValidation.IsPinned(certificate, SslPolicyErrors.None, pins, now.AddDays(2)));
        Assert.False(ClusterCertificateValidation.IsPinned(certificate, SslPolicyErrors.RemoteCertificateNotAvailable, pins, now));
    }

    [Fact]
    public void ChainCheck_NeedsNoPlatformErrors_AndTheClusterName()
    {
        using var certificates = new TestCertificates();
        var (path, _) = certificates.Create("silo", Password);
        var (elsewherePath, _) = certificates.Create("elsewhere", Password, host: "www.example.test");
        var certificate = certificates.Load(path, Password);
        var elsewhere = certificates.Load(elsewherePath, Password);

        Assert.True(ClusterCertificateValidation.IsTrustedForHost(certificate, SslPolicyErrors.None, TestCertificates.ClusterHost));
        Assert.False(ClusterCertificateValidation.IsTrustedForHost(certificate, SslPolicyErrors.RemoteCertificateChainErrors, TestCertificates.ClusterHost));

        // A certificate that chains fine but was issued for another name must not open the gateway (inbound: no platform name check).
        Assert.False(ClusterCertificateValidation.IsTrustedForHost(elsewhere, SslPolicyErrors.None, TestCertificates.ClusterHost));
    }

    [Fact]
    public void RemoteValidator_ForEachMode()
    {
        using var certificates = new TestCertificates();
        var (path, thumbprint) = certificates.Create("silo", Password);
        var certificate = certificates.Load(path, Password);

        Assert.Null(ClusterCertificateValidation.CreateRemoteValidator(KeycardClusterTlsValidation.AnyCertificate, [], null, TimeProvider.System));
        var pinned = ClusterCertificateValidation.CreateRemoteValidator(KeycardClusterTlsValidation.PinnedThumbprints, [thumbprint], null, TimeProvider.System)!;
        Assert.True(pinned(certificate, null!, SslPolicyErrors.RemoteCertificateChainErrors));
        var chain = ClusterCertificateValidation.CreateRemoteValidator(KeycardClusterTlsValidation.CertificateChain, [], TestCertificates.ClusterHost, TimeProvider.System)!;
        Assert.False(chain(certificate, null!, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.Equal(thumbprint, certificate.GetCertHashString(HashAlgorithmName.SHA256));
    }

    /// <summary>The options as the host would get them at start, or <c>null</c> with the validator's failures.</summary>
    private static KeycardClusterTlsOptions? Read(Dictionary<string, string?> values, List<string> errors, TimeProvider? time = null, bool forSilo = true)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        ClusterRegistration.AddOptions(services, configuration.GetSection("Cluster"), forSilo);
        using var provider = services.BuildServiceProvider();
        try
        {
            return provider.GetRequiredService<IOptions<KeycardClusterTlsOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            errors.AddRange(ex.Failures);
            return null;
        }
    }
}
