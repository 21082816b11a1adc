using System.Net;
using System.Security.Cryptography;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Refit;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary><c>private_key_jwt</c> (RFC 7523) against the local zone: what goes on the wire, which keys load, and what the zone refuses.</summary>
public sealed class PrivateKeyJwtTests : IDisposable
{
    private const string Resource = TestApp.Resource;
    private readonly ClientKeyFiles _keys = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _keys.Dispose();

    /// <summary>A zone that accepts no secret, only assertions signed with <paramref name="registered"/>.</summary>
    private static Task<LocalKeycardZone> KeyOnlyZoneAsync(TimeProvider? time, params Microsoft.IdentityModel.Tokens.SecurityKey[] registered)
    {
        var options = new LocalKeycardZoneOptions { AcceptClientSecret = false, TimeProvider = time ?? TimeProvider.System };
        foreach (var key in registered)
        {
            options.ClientAssertionKeys.Add(key);
        }

        return LocalKeycardZone.StartAsync(options);
    }

    private static Action<KeycardOptions> UseKey(Action<KeycardClientAssertionOptions> key) => o =>
    {
        o.ClientSecret = null;
        o.ClientAuthentication = "PrivateKeyJwt";
        key(o.ClientAssertion);
    };

    [Fact]
    public async Task An_exchange_carries_a_fresh_RFC_7523_assertion_and_no_secret()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));
        var (path, publicKey) = _keys.RsaPem();
        await using var zone = await KeyOnlyZoneAsync(time, publicKey);
        await using var app = await TestApp.StartAsync(zone, keycard: UseKey(k => k.KeyPath = path), time: time);

        var first = await app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct);
        var second = await app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("bob"), Resource), Ct);

        Assert.True(zone.TryResolveAccessToken(first.Token.AccessToken, out var alice) && alice.User == "alice");
        Assert.True(zone.TryResolveAccessToken(second.Token.AccessToken, out var bob) && bob.User == "bob");
        Assert.Equal(2, zone.AcceptedClientAssertions);
        var jtis = new List<string>();
        foreach (var request in zone.Requests)
        {
            Assert.Null(request.Authorization);
            Assert.DoesNotContain("client_secret", request.Form.Keys);
            Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", request.Form["client_assertion_type"]);
            var assertion = new JsonWebToken(request.Form["client_assertion"]);
            Assert.Equal("RS256", assertion.Alg);
            Assert.Equal(ClientKeyFiles.Thumbprint(publicKey), assertion.Kid);
            Assert.Equal(zone.ClientId, assertion.Issuer);
            Assert.Equal(zone.ClientId, assertion.Subject);
            Assert.Equal([zone.TokenEndpoint.OriginalString], assertion.Audiences);
            Assert.Equal(time.GetUtcNow().UtcDateTime, assertion.IssuedAt);
            Assert.Equal(time.GetUtcNow().UtcDateTime.AddSeconds(60), assertion.ValidTo);
            jtis.Add(assertion.Id);
        }

        Assert.Equal(2, jtis.Distinct().Count());
        Assert.All(jtis, jti => Assert.True(jti.Length >= 16));
    }

    public static TheoryData<string> KeyKinds => ["rsa-pkcs1", "rsa-3072-ps256", "ec-p256", "ec-p384-pkcs8", "ec-p521", "pkcs12", "explicit-kid"];

    [Theory]
    [MemberData(nameof(KeyKinds))]
    public async Task RSA_and_EC_PEM_keys_and_PKCS12_certificates_authenticate(string kind)
    {
        Microsoft.IdentityModel.Tokens.SecurityKey publicKey;
        Action<KeycardClientAssertionOptions> configure;
        string expectedAlgorithm;
        switch (kind)
        {
            case "rsa-pkcs1":
                (var rsa1, publicKey) = _keys.RsaPem(pkcs1: true);
                configure = k => k.KeyPath = rsa1;
                expectedAlgorithm = "RS256";
                break;
            case "rsa-3072-ps256":
                (var rsa3, publicKey) = _keys.RsaPem(bits: 3072);
                configure = k => { k.KeyPath = rsa3; k.Algorithm = "PS256"; };
                expectedAlgorithm = "PS256";
                break;
            case "ec-p256":
                (var p256, publicKey) = _keys.EcPem(ECCurve.NamedCurves.nistP256);
                configure = k => k.KeyPath = p256;
                expectedAlgorithm = "ES256";
                break;
            case "ec-p384-pkcs8":
                (var p384, publicKey) = _keys.EcPem(ECCurve.NamedCurves.nistP384, pkcs8: true);
                configure = k => k.KeyPath = p384;
                expectedAlgorithm = "ES384";
                break;
            case "ec-p521":
                (var p521, publicKey) = _keys.EcPem(ECCurve.NamedCurves.nistP521);
                configure = k => k.KeyPath = p521;
                expectedAlgorithm = "ES512";
                break;
            case "pkcs12":
                var certificate = _keys.Certificate(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
                var pfx = _keys.Pkcs12(certificate, "pfx-password-7");
                publicKey = ClientKeyFiles.PublicKeyOf(certificate);
                configure = k => { k.CertificatePath = pfx; k.CertificatePassword = "pfx-password-7"; };
                expectedAlgorithm = "RS256";
                break;
            default:
                (var named, publicKey) = _keys.RsaPem(keyId: "app-key-2026");
                configure = k => { k.KeyPath = named; k.KeyId = "app-key-2026"; };
                expectedAlgorithm = "RS256";
                break;
        }

        await using var zone = await KeyOnlyZoneAsync(null, publicKey);
        await using var app = await TestApp.StartAsync(zone, keycard: UseKey(configure));

        var response = await app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct);

        Assert.True(zone.TryResolveAccessToken(response.Token.AccessToken, out _));
        var assertion = new JsonWebToken(Assert.Single(zone.Requests).Form["client_assertion"]);
        Assert.Equal(expectedAlgorithm, assertion.Alg);
        Assert.Equal(publicKey.KeyId, assertion.Kid);
    }

    [Theory]
    [InlineData("SHA-1")]
    [InlineData("SHA-256")]
    public async Task A_certificate_from_the_CurrentUser_store_authenticates_by_thumbprint(string hash)
    {
        var certificate = _keys.Certificate(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var withKey = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(
            certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "p"), "p",
            System.Security.Cryptography.X509Certificates.X509KeyStorageFlags.PersistKeySet | System.Security.Cryptography.X509Certificates.X509KeyStorageFlags.UserKeySet);
        using var store = new System.Security.Cryptography.X509Certificates.X509Store(
            System.Security.Cryptography.X509Certificates.StoreName.My, System.Security.Cryptography.X509Certificates.StoreLocation.CurrentUser);
        store.Open(System.Security.Cryptography.X509Certificates.OpenFlags.ReadWrite);
        store.Add(withKey);
        try
        {
            await using var zone = await KeyOnlyZoneAsync(null, ClientKeyFiles.PublicKeyOf(certificate));
            await using var app = await TestApp.StartAsync(zone, keycard: UseKey(k =>
            {
                k.CertificateThumbprint = hash == "SHA-1" ? certificate.Thumbprint.ToLowerInvariant() : string.Join(':', certificate.GetCertHashString(HashAlgorithmName.SHA256).Chunk(2).Select(c => new string(c)));
                k.StoreLocation = "CurrentUser";
            }));

            var response = await app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct);

            Assert.True(zone.TryResolveAccessToken(response.Token.AccessToken, out _));
            Assert.Equal(1, zone.AcceptedClientAssertions);
        }
        finally
        {
            store.Remove(withKey);
        }
    }

    [Fact]
    public async Task A_key_the_zone_does_not_have_is_refused_with_invalid_client_naming_the_key_setting()
    {
        var (path, _) = _keys.RsaPem(keyId: "app-key");
        var (_, otherPublicKey) = _keys.RsaPem(keyId: "app-key");
        await using var zone = await KeyOnlyZoneAsync(null, otherPublicKey);
        await using var app = await TestApp.StartAsync(zone, keycard: UseKey(k =>
        {
            k.KeyPath = path;
            k.KeyId = "app-key";
        }));

        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Equal("invalid_client", ex.Error);
        Assert.Contains("signature", ex.ErrorDescription, StringComparison.Ordinal);
        Assert.Contains("Keycard:ClientAssertion:KeyPath", ex.Message, StringComparison.Ordinal);
        Assert.Contains("kid 'app-key'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("algorithm RS256", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Keycard:ClientSecret", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, zone.TotalExchanges);
    }

    [Fact]
    public async Task An_assertion_already_expired_on_the_zone_clock_is_refused()
    {
        var zoneTime = new FakeTimeProvider(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));
        var appTime = new FakeTimeProvider(zoneTime.GetUtcNow() - TimeSpan.FromMinutes(2)); // this host's clock is 2 minutes slow
        var (path, publicKey) = _keys.RsaPem();
        await using var zone = await KeyOnlyZoneAsync(zoneTime, publicKey);
        await using var app = await TestApp.StartAsync(zone, keycard: UseKey(k => k.KeyPath = path), time: appTime);

        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct));

        Assert.Equal("invalid_client", ex.Error);
        Assert.Contains("expired", ex.ErrorDescription, StringComparison.Ordinal);
        Assert.Contains("clock", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_assertion_for_another_audience_is_refused()
    {
        var (path, publicKey) = _keys.RsaPem();
        await using var zone = await KeyOnlyZoneAsync(null, publicKey);
        zone.Options.ClientAssertionAudience = "https://another-zone.keycard.cloud/oauth/2/token";
        await using var app = await TestApp.StartAsync(zone, keycard: UseKey(k => k.KeyPath = path));

        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct));

        Assert.Equal("invalid_client", ex.Error);
        Assert.Contains("aud", ex.ErrorDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replayed_assertion_is_refused()
    {
        var (path, publicKey) = _keys.RsaPem();
        await using var zone = await KeyOnlyZoneAsync(null, publicKey);
        await using var app = await TestApp.StartAsync(zone, keycard: UseKey(k => k.KeyPath = path));
        await app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct);
        var captured = Assert.Single(zone.Requests).Form;

        // An eavesdropper resends the very same assertion with another subject token.
        using var http = new HttpClient();
        var replay = new Dictionary<string, string>(captured) { ["subject_token"] = zone.MintSubjectToken("mallory") };
        using var response = await http.PostAsync(zone.TokenEndpoint, new FormUrlEncodedContent(replay), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("\"invalid_client\"", body, StringComparison.Ordinal);
        Assert.Contains("replay", body, StringComparison.Ordinal);
        Assert.Equal(0, zone.ExchangeCount("mallory"));
    }

    [Fact]
    public async Task A_deployment_with_private_key_jwt_has_no_client_secret_anywhere()
    {
        var (path, publicKey) = _keys.RsaPem();
        await using var zone = await KeyOnlyZoneAsync(null, publicKey);
        await using var sentry = await EchoingSentry.StartAsync(zone);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Trace).AddFakeLogging();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Keycard:ZoneUrl"] = zone.Issuer,
            ["Keycard:ClientId"] = zone.ClientId,
            ["Keycard:SubjectAudience"] = "keycardsentry-app",
            ["Keycard:ClientAuthentication"] = "private_key_jwt",
            ["Keycard:ClientAssertion:KeyPath"] = path,
        });
        builder.Services.AddKeycard(builder.Configuration.GetSection("Keycard"));
        builder.Services.AddKeycardApi(TestApp.ApiName, TestScopeCatalog.Instance, each => each(builder.Services.AddRefitGeneratedClient<ITestSentryApi>(KeycardRefitSettings.Create())), o =>
        {
            o.BaseUrl = sentry.BaseUrl;
            o.Resource = TestApp.Resource;
        });
        using var host = builder.Build();
        await host.StartAsync(Ct);

        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            Assert.Equal("alice", Assert.Single(await host.Services.GetRequiredService<ITestSentryApi>().ListOrganizationsAsync(Ct)).User);
        }

        var options = host.Services.GetRequiredService<IOptions<KeycardOptions>>().Value;
        Assert.Null(options.ClientSecret);
        Assert.Contains("ClientSecret = (not set)", options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(builder.Configuration.AsEnumerable(), kv => kv.Key.Contains("Secret", StringComparison.OrdinalIgnoreCase));
        var request = Assert.Single(zone.Requests);
        Assert.Null(request.Authorization);
        Assert.DoesNotContain(request.Form.Keys, k => k.Contains("secret", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(1, zone.AcceptedClientAssertions);
        Assert.DoesNotContain("client_secret_basic", await new HttpClient().GetStringAsync(new Uri(zone.Issuer + "/.well-known/oauth-authorization-server"), Ct), StringComparison.Ordinal);

        // Neither the assertion nor any key material reaches a log line.
        var pem = await File.ReadAllTextAsync(path, Ct);
        var keyBody = pem.Split('\n')[1];
        foreach (var record in host.Services.GetFakeLogCollector().GetSnapshot())
        {
            var text = record.Message + record.Exception + string.Join(";", record.StructuredState?.Select(kv => kv.Key + "=" + kv.Value) ?? []);
            Assert.DoesNotContain(request.Form["client_assertion"], text, StringComparison.Ordinal);
            Assert.DoesNotContain(keyBody, text, StringComparison.Ordinal);
        }

        await host.StopAsync(Ct);
    }
}
