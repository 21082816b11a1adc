using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KeycardSentry.Internal.ClientAuthentication;

/// <summary>
/// <c>private_key_jwt</c> (RFC 7523 §2.2, OpenID Connect Core §9): each token request carries a new JWT signed with
/// the application's private key, with <c>iss</c> = <c>sub</c> = the client id, <c>aud</c> = the token endpoint as the
/// zone's metadata names it (what RFC 7523 §3 allows and Keycard's own SDKs send), a unique <c>jti</c>, <c>iat</c> and a
/// short <c>exp</c> on the injected clock, and the key's <c>kid</c> in the header. No shared secret exists.
/// </summary>
internal sealed class PrivateKeyJwtAuthentication : IClientAuthentication, IDisposable
{
    /// <summary>RFC 7523 §2.2 <c>client_assertion_type</c>.</summary>
    public const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private readonly string _clientId;
    private readonly ClientAssertionKey _key;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _timeProvider;
    private readonly SigningCredentials _credentials;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public PrivateKeyJwtAuthentication(string clientId, ClientAssertionKey key, TimeSpan lifetime, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        _clientId = clientId;
        _key = key ?? throw new ArgumentNullException(nameof(key));
        _lifetime = lifetime;
        _timeProvider = timeProvider;
        _credentials = new SigningCredentials(key.SigningKey, key.Algorithm);
    }

    public string Method => "private_key_jwt";

    public string InvalidClientHint =>
        $"Keycard did not accept the client assertion: check Keycard:ClientId, that the public key of {_key.Source} is registered for the application in the Keycard console " +
        $"with kid '{_key.SigningKey.KeyId}' (Keycard:ClientAssertion:KeyId) and algorithm {_key.Algorithm}, and that this host's clock is right (each assertion is valid for {_lifetime.TotalSeconds:0} s).";

    public void Apply(HttpRequestMessage request, IList<KeyValuePair<string, string>> form, Uri tokenEndpoint)
    {
        var now = _timeProvider.GetUtcNow();
        if (_key.NotAfter is { } notAfter && now >= notAfter)
        {
            throw new KeycardExchangeException(
                $"The client assertion certificate of {_key.Source} expired at {notAfter:O}: renew it, register the new public key in Keycard and restart.",
                error: "client_authentication_failed");
        }

        string assertion;
        try
        {
            assertion = _handler.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = _clientId,
                Audience = tokenEndpoint.OriginalString,
                Claims = new Dictionary<string, object>(StringComparer.Ordinal)
                {
                    [JwtRegisteredClaimNames.Sub] = _clientId,
                    [JwtRegisteredClaimNames.Jti] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
                },
                IssuedAt = now.UtcDateTime,
                Expires = (now + _lifetime).UtcDateTime,
                SigningCredentials = _credentials,
            });
        }
        catch (Exception ex) when (ex is CryptographicException or SecurityTokenException or ArgumentException or NotSupportedException or ObjectDisposedException)
        {
            throw new KeycardExchangeException(
                $"Could not sign the client assertion with the key of {_key.Source} ({ex.GetType().Name}): check the key is still accessible to this process.",
                error: "client_authentication_failed",
                innerException: ex);
        }

        form.Add(new("client_assertion_type", AssertionType));
        form.Add(new("client_assertion", assertion));
    }

    public void Dispose() => _key.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"private_key_jwt (kid {_key.SigningKey.KeyId}, {_key.Algorithm})";
}
