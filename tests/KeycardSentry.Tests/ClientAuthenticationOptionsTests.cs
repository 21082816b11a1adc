using KeycardSentry.Internal;
using System.Security.Cryptography;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary>Client authentication and token-lifetime settings are checked at start, with messages that name the setting and never a secret.</summary>
public sealed class ClientAuthenticationOptionsTests : IDisposable
{
    private const string Password = "pfx-password-never-shown";
    private readonly ClientKeyFiles _keys = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _keys.Dispose();

    private static async Task<string> StartFailsAsync(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Keycard:ZoneUrl"] = "https://zone.keycard.cloud",
            ["Keycard:ClientId"] = "app",
            ["Keycard:SubjectAudience"] = "app",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddKeycard(builder.Configuration.GetSection(KeycardOptions.SectionName));
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));
        Assert.DoesNotContain(Password, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN", ex.Message, StringComparison.Ordinal);
        return ex.Message;
    }

    private static async Task StartsAsync(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Keycard:ZoneUrl"] = "https://zone.keycard.cloud", ["Keycard:ClientId"] = "app", ["Keycard:SubjectAudience"] = "app" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddKeycard(builder.Configuration.GetSection(KeycardOptions.SectionName));
        using var host = builder.Build();
        await host.StartAsync(Ct);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task The_method_defaults_to_the_one_whose_credential_is_set()
    {
        await StartsAsync(new() { ["Keycard:ClientSecret"] = "s" });
        await StartsAsync(new() { ["Keycard:ClientAssertion:KeyPath"] = _keys.RsaPem().Path });
        await StartsAsync(new() { ["Keycard:ClientAuthentication"] = "client_secret_basic", ["Keycard:ClientSecret"] = "s" });
        await StartsAsync(new() { ["Keycard:ClientAuthentication"] = "privatekeyjwt", ["Keycard:ClientAssertion:KeyPath"] = _keys.RsaPem().Path });
    }

    [Fact]
    public async Task Neither_credential_names_both_ways_to_authenticate()
    {
        var message = await StartFailsAsync([]);

        Assert.Contains("Keycard:ClientSecret is required", message, StringComparison.Ordinal);
        Assert.Contains("Keycard__ClientSecret", message, StringComparison.Ordinal);
        Assert.Contains("Keycard:ClientAssertion:KeyPath", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_and_a_key_together_are_refused()
    {
        var message = await StartFailsAsync(new() { ["Keycard:ClientSecret"] = "s", ["Keycard:ClientAssertion:KeyPath"] = _keys.RsaPem().Path, ["Keycard:ClientAuthentication"] = "PrivateKeyJwt" });

        Assert.Contains("Both Keycard:ClientSecret and a client-assertion key (Keycard:ClientAssertion:KeyPath)", message, StringComparison.Ordinal);
        Assert.Contains("Keycard__ClientSecret", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivateKeyJwt_without_a_key_or_with_two_sources_is_refused()
    {
        var none = await StartFailsAsync(new() { ["Keycard:ClientAuthentication"] = "PrivateKeyJwt" });
        Assert.Contains("Keycard__ClientAssertion__KeyPath", none, StringComparison.Ordinal);

        var two = await StartFailsAsync(new() { ["Keycard:ClientAssertion:KeyPath"] = _keys.RsaPem().Path, ["Keycard:ClientAssertion:CertificateThumbprint"] = new string('A', 40) });
        Assert.Contains("more than one key source (Keycard:ClientAssertion:KeyPath, Keycard:ClientAssertion:CertificateThumbprint)", two, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadKeyFiles => new()
    {
        { "missing", "does not exist" },
        { "garbage", "contains no PEM block" },
        { "public-only", "has no private key, only PUBLIC KEY" },
        { "certificate-only", "has no private key, only CERTIFICATE" },
        { "encrypted", "holds an encrypted private key" },
        { "corrupt", "could not be read as an RSA or EC private key" },
        { "rsa-1024", "has 1024 bits; at least 2048 are needed" },
    };

    [Theory]
    [MemberData(nameof(BadKeyFiles))]
    public async Task A_PEM_key_that_cannot_sign_stops_start_naming_KeyPath(string kind, string expected)
    {
        using var rsa = RSA.Create(2048);
        var path = kind switch
        {
            "missing" => Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "key.pem"),
            "garbage" => _keys.Write("garbage.pem", "this is not a key\n\u0000\u0001"),
            "public-only" => _keys.Write("public.pem", rsa.ExportSubjectPublicKeyInfoPem()),
            "certificate-only" => _keys.Write("cert.pem", _keys.Certificate(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)).ExportCertificatePem()),
            "encrypted" => _keys.Write("encrypted.pem", rsa.ExportEncryptedPkcs8PrivateKeyPem(Password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000))),
            "corrupt" => _keys.Write("corrupt.pem", "-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n"),
            _ => _keys.RsaPem(bits: 1024).Path,
        };

        var message = await StartFailsAsync(new() { ["Keycard:ClientAssertion:KeyPath"] = path });

        Assert.Contains("Keycard:ClientAssertion:KeyPath", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_PKCS12_file_with_a_wrong_password_expired_certificate_or_no_private_key_stops_start()
    {
        var valid = _keys.Certificate(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var expired = _keys.Certificate(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));

        var wrongPassword = await StartFailsAsync(new() { ["Keycard:ClientAssertion:CertificatePath"] = _keys.Pkcs12(valid, "other"), ["Keycard:ClientAssertion:CertificatePassword"] = Password });
        Assert.Contains("Keycard__ClientAssertion__CertificatePassword", wrongPassword, StringComparison.Ordinal);
        Assert.Contains("the password is wrong", wrongPassword, StringComparison.Ordinal);

        var old = await StartFailsAsync(new() { ["Keycard:ClientAssertion:CertificatePath"] = _keys.Pkcs12(expired, Password), ["Keycard:ClientAssertion:CertificatePassword"] = Password });
        Assert.Contains("Keycard:ClientAssertion:CertificatePath", old, StringComparison.Ordinal);
        Assert.Contains("the certificate expired at", old, StringComparison.Ordinal);

        var future = _keys.Certificate(DateTimeOffset.UtcNow.AddDays(1), DateTimeOffset.UtcNow.AddDays(30));
        var early = await StartFailsAsync(new() { ["Keycard:ClientAssertion:CertificatePath"] = _keys.Pkcs12(future, Password), ["Keycard:ClientAssertion:CertificatePassword"] = Password });
        Assert.Contains("the certificate is not valid before", early, StringComparison.Ordinal);

        var publicOnly = await StartFailsAsync(new() { ["Keycard:ClientAssertion:CertificatePath"] = _keys.Pkcs12(valid, Password, publicOnly: true), ["Keycard:ClientAssertion:CertificatePassword"] = Password });
        Assert.Contains("the certificate has no private key", publicOnly, StringComparison.Ordinal);

        var missing = await StartFailsAsync(new() { ["Keycard:ClientAssertion:CertificatePath"] = "/nonexistent/client.pfx" });
        Assert.Contains("Keycard__ClientAssertion__CertificatePath", missing, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Keycard:ClientAuthentication", "client_secret_post", "is not a known method: use ClientSecretBasic or PrivateKeyJwt")]
    [InlineData("Keycard:ClientAssertion:Algorithm", "ES256", "'ES256' does not fit the RSA key")]
    [InlineData("Keycard:ClientAssertion:Algorithm", "HS256", "'HS256' does not fit the RSA key")]
    [InlineData("Keycard:ClientAssertion:Lifetime", "00:00:00", "Keycard:ClientAssertion:Lifetime must be positive and at most 00:10:00")]
    [InlineData("Keycard:ClientAssertion:Lifetime", "01:00:00", "Keycard:ClientAssertion:Lifetime must be positive and at most 00:10:00")]
    [InlineData("Keycard:ClientAssertion:StoreLocation", "Somewhere", "must be CurrentUser or LocalMachine")]
    [InlineData("Keycard:ClientAssertion:CertificatePassword", Password, "the password opens a PKCS#12 file only")]
    [InlineData("Keycard:ClientAssertion:KeyId", "kid\nwith newline", "Keycard:ClientAssertion:KeyId (Keycard__ClientAssertion__KeyId) must be 1 to 256 printable ASCII characters")]
    [InlineData("Keycard:MaxTokenLifetime", "00:00:00", "Keycard:MaxTokenLifetime must be positive and at most 30 days")]
    [InlineData("Keycard:MaxTokenLifetime", "31.00:00:00", "Keycard:MaxTokenLifetime must be positive and at most 30 days")]
    public async Task Bad_settings_stop_start_with_a_message_naming_them(string key, string value, string expected)
    {
        var message = await StartFailsAsync(new() { ["Keycard:ClientAssertion:KeyPath"] = _keys.RsaPem().Path, [key] = value });

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_thumbprint_that_is_not_in_the_store_or_is_malformed_stops_start()
    {
        var absent = await StartFailsAsync(new() { ["Keycard:ClientAssertion:CertificateThumbprint"] = RandomNumberGenerator.GetHexString(40), ["Keycard:ClientAssertion:StoreLocation"] = "CurrentUser" });
        Assert.Contains("Keycard:ClientAssertion:CertificateThumbprint", absent, StringComparison.Ordinal);
        Assert.Contains("no certificate with thumbprint", absent, StringComparison.Ordinal);

        var machine = await StartFailsAsync(new() { ["Keycard:ClientAssertion:CertificateThumbprint"] = RandomNumberGenerator.GetHexString(64), ["Keycard:ClientAssertion:StoreLocation"] = "LocalMachine" });
        Assert.Contains("LocalMachine\\My", machine, StringComparison.Ordinal);

        var malformed = await StartFailsAsync(new() { ["Keycard:ClientAssertion:CertificateThumbprint"] = "not-a-thumbprint" });
        Assert.Contains("must be a SHA-1 (40 hex digits) or SHA-256 (64 hex digits)", malformed, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_never_shows_the_certificate_password()
    {
        var options = new KeycardClientAssertionOptions { CertificatePath = "/etc/app/client.pfx", CertificatePassword = Password };

        Assert.DoesNotContain(Password, options.ToString(), StringComparison.Ordinal);
        Assert.Contains("CertificatePassword = ***", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_client_authentication_services_print_no_secret()
    {
        using var services = new ServiceCollection()
            .AddKeycard(o => (o.ZoneUrl, o.ClientId, o.ClientSecret, o.SubjectAudience) = ("https://zone.keycard.cloud", "app", "secret-value-99", "app"))
            .BuildServiceProvider();

        var exchange = services.GetRequiredService<IKeycardExchangeClient>();

        Assert.DoesNotContain("secret-value-99", exchange.ToString(), StringComparison.Ordinal);
        Assert.Equal("client_secret_basic", services.GetRequiredService<KeycardSentry.Internal.ClientAuthentication.IClientAuthentication>().ToString());
    }
}
