using System.Security.Cryptography;
using KeycardSentry.Internal.ClientAuthentication;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary>Every algorithm the settings accept signs an assertion that verifies with the public key alone.</summary>
public sealed class ClientAssertionSigningTests : IDisposable
{
    private readonly ClientKeyFiles _keys = new();

    public void Dispose() => _keys.Dispose();

    [Theory]
    [InlineData("RS256")]
    [InlineData("RS384")]
    [InlineData("RS512")]
    [InlineData("PS256")]
    [InlineData("PS384")]
    [InlineData("PS512")]
    public async Task Each_RSA_algorithm_signs_a_verifiable_assertion(string algorithm)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));
        var (path, publicKey) = _keys.RsaPem();
        var options = new KeycardClientAssertionOptions { KeyPath = path, Algorithm = algorithm };
        Assert.True(ClientAssertionKey.TryLoad(options, time, out var key, out var error), error);
        using var authentication = new PrivateKeyJwtAuthentication("app", key!, options.Lifetime, time);
        var endpoint = new Uri("https://zone.keycard.cloud/oauth/2/token");
        var form = new List<KeyValuePair<string, string>>();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);

        authentication.Apply(request, form, endpoint);

        Assert.Null(request.Headers.Authorization);
        var assertion = Assert.Single(form, kv => kv.Key == "client_assertion").Value;
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            IssuerSigningKey = publicKey,
            ValidIssuer = "app",
            ValidAudience = endpoint.OriginalString,
            ValidAlgorithms = [algorithm],
            LifetimeValidator = (_, expires, _, _) => expires == time.GetUtcNow().UtcDateTime.AddSeconds(60),
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(algorithm, ((JsonWebToken)result.SecurityToken).Alg);
        Assert.Equal("private_key_jwt (kid " + publicKey.KeyId + ", " + algorithm + ")", authentication.ToString());
    }

    [Fact]
    public void A_certificate_that_expires_while_running_fails_the_request_with_a_typed_error()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var certificate = _keys.Certificate(time.GetUtcNow().AddDays(-1), time.GetUtcNow().AddHours(1));
        var options = new KeycardClientAssertionOptions { CertificatePath = _keys.Pkcs12(certificate, "p"), CertificatePassword = "p" };
        Assert.True(ClientAssertionKey.TryLoad(options, time, out var key, out var error), error);
        using var authentication = new PrivateKeyJwtAuthentication("app", key!, options.Lifetime, time);
        var endpoint = new Uri("https://zone.keycard.cloud/oauth/2/token");
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);

        time.Advance(TimeSpan.FromHours(2));
        var ex = Assert.Throws<KeycardExchangeException>(() => authentication.Apply(request, [], endpoint));

        Assert.Equal("client_authentication_failed", ex.Error);
        Assert.Contains("Keycard:ClientAssertion:CertificatePath", ex.Message, StringComparison.Ordinal);
        Assert.Contains("expired", ex.Message, StringComparison.Ordinal);
    }
}
