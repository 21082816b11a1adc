using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using KeycardSentry.Testing;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using KeycardSentry.Tests.Support;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary>The local zone's client authentication, probed with hand-made requests: it must refuse what Keycard refuses.</summary>
public sealed class LocalZoneClientAuthenticationTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RSA _rsa = RSA.Create(2048);
    private RsaSecurityKey _key = null!;
    private LocalKeycardZone _zone = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _key = new RsaSecurityKey(_rsa) { KeyId = "client-key-1" };
        var options = new LocalKeycardZoneOptions { TimeProvider = _time };
        options.ClientAssertionKeys.Add(new RsaSecurityKey(_rsa.ExportParameters(false)) { KeyId = "client-key-1" });
        _zone = await LocalKeycardZone.StartAsync(options);
    }

    public async ValueTask DisposeAsync()
    {
        await _zone.DisposeAsync();
        _rsa.Dispose();
    }

    private string Assertion(
        string? iss = null, string? sub = null, string? aud = null, string? jti = "unique", TimeSpan? expiresIn = null, SecurityKey? key = null, DateTimeOffset? notBefore = null)
    {
        var now = _time.GetUtcNow();
        var claims = new Dictionary<string, object> { ["sub"] = sub ?? _zone.ClientId };
        if (jti is not null)
        {
            claims["jti"] = jti == "unique" ? Guid.NewGuid().ToString("N") : jti;
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = iss ?? _zone.ClientId,
            Audience = aud ?? _zone.TokenEndpoint.OriginalString,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = notBefore?.UtcDateTime,
            Expires = (now + (expiresIn ?? TimeSpan.FromMinutes(1))).UtcDateTime,
            SigningCredentials = new SigningCredentials(key ?? _key, SecurityAlgorithms.RsaSha256),
        });
    }

    private async Task<(HttpStatusCode Status, string? Error, string? Description)> PostAsync(string? assertion, string? basic = null, string assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = LocalKeycardZone.TokenExchangeGrantType,
            ["subject_token"] = _zone.MintSubjectToken("alice"),
            ["subject_token_type"] = LocalKeycardZone.AccessTokenType,
            ["resource"] = TestApp.Resource,
        };
        if (assertion is not null)
        {
            form["client_assertion_type"] = assertionType;
            form["client_assertion"] = assertion;
        }

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, _zone.TokenEndpoint) { Content = new FormUrlEncodedContent(form) };
        if (basic is not null)
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(basic);
        }

        using var response = await http.SendAsync(request, Ct);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var root = body.RootElement;
        return (response.StatusCode,
            root.TryGetProperty("error", out var e) ? e.GetString() : null,
            root.TryGetProperty("error_description", out var d) ? d.GetString() : null);
    }

    [Fact]
    public async Task A_valid_assertion_is_accepted_and_the_metadata_lists_both_methods()
    {
        Assert.Equal((HttpStatusCode.OK, null, null), await PostAsync(Assertion()));
        Assert.Equal((HttpStatusCode.OK, null, null), await PostAsync(null, LocalKeycardZone.BasicAuthorization(_zone.ClientId, _zone.ClientSecret)));

        using var http = new HttpClient();
        var metadata = await http.GetStringAsync(new Uri(_zone.Issuer + "/.well-known/oauth-authorization-server"), Ct);
        Assert.Contains("\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\",\"private_key_jwt\"]", metadata, StringComparison.Ordinal);
    }

    public static TheoryData<string> BadAssertions => ["wrong-iss", "wrong-sub", "wrong-aud", "no-jti", "expired", "not-yet-valid", "other-key", "unknown-kid", "unsigned", "wrong-type", "garbage"];

    [Theory]
    [MemberData(nameof(BadAssertions))]
    public async Task A_bad_assertion_is_invalid_client_401(string kind)
    {
        using var attackerRsa = RSA.Create(2048);
        var attacker = new RsaSecurityKey(attackerRsa) { KeyId = "client-key-1" };
        var (assertion, type) = kind switch
        {
            "wrong-iss" => (Assertion(iss: "another-client"), null),
            "wrong-sub" => (Assertion(sub: "another-client"), null),
            "wrong-aud" => (Assertion(aud: "https://elsewhere.example/oauth/2/token"), null),
            "no-jti" => (Assertion(jti: null), null),
            "expired" => (Assertion(expiresIn: TimeSpan.FromSeconds(-1)), null),
            "not-yet-valid" => (Assertion(notBefore: _time.GetUtcNow().AddMinutes(5), expiresIn: TimeSpan.FromMinutes(10)), null),
            "other-key" => (Assertion(key: attacker), null),
            "unknown-kid" => (Assertion(key: new RsaSecurityKey(_rsa) { KeyId = "client-key-2" }), null),
            "unsigned" => (new JsonWebTokenHandler().CreateToken(JsonSerializer.Serialize(new { iss = _zone.ClientId, sub = _zone.ClientId, aud = _zone.TokenEndpoint.OriginalString, jti = "x", exp = _time.GetUtcNow().AddMinutes(1).ToUnixTimeSeconds() })), null),
            "wrong-type" => (Assertion(), "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"),
            _ => ("not-a-jwt", null),
        };

        var (status, error, description) = type is null ? await PostAsync(assertion) : await PostAsync(assertion, assertionType: type);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", error);
        TestContext.Current.TestOutputHelper?.WriteLine($"{kind}: {description}");
        Assert.Equal(0, _zone.TotalExchanges);
    }

    [Fact]
    public async Task The_same_jti_twice_is_a_replay_and_after_expiry_the_assertion_is_refused_as_expired()
    {
        var assertion = Assertion(jti: "once");

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(assertion)).Status);
        var replay = await PostAsync(assertion);
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_client"), (replay.Status, replay.Error));
        Assert.Contains("replay", replay.Description, StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromMinutes(2));
        var late = await PostAsync(assertion);
        Assert.Contains("expired", late.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_authentication_methods_in_one_request_are_invalid_request()
    {
        var (status, error, _) = await PostAsync(Assertion(), LocalKeycardZone.BasicAuthorization(_zone.ClientId, _zone.ClientSecret));

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request"), (status, error));
    }

    [Fact]
    public async Task A_zone_without_secrets_refuses_client_secret_basic()
    {
        _zone.Options.AcceptClientSecret = false;

        var (status, error, description) = await PostAsync(null, LocalKeycardZone.BasicAuthorization(_zone.ClientId, _zone.ClientSecret));

        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_client"), (status, error));
        Assert.Contains("private_key_jwt", description, StringComparison.Ordinal);
    }
}
