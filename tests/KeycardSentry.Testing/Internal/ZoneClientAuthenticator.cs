using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KeycardSentry.Testing.Internal;

/// <summary>Why the zone refused a client: the RFC 6749 §5.2 error, its description and the HTTP status.</summary>
internal readonly record struct ClientAuthenticationFailure(string Error, string Description, int Status);

/// <summary>
/// The zone's check of who is calling its token endpoint (RFC 6749 §2.3): <c>client_secret_basic</c> (RFC 6749 §2.3.1
/// encoding) and <c>private_key_jwt</c> (RFC 7523 §3: a JWT signed with a key registered for the client, whose
/// <c>kid</c> names that key; <c>iss</c> = <c>sub</c> = the client id; <c>aud</c> = the token endpoint; <c>exp</c> in the
/// future and <c>nbf</c>, when present, not, on the zone's clock; a <c>jti</c> never seen before). A request may use one
/// method only.
/// </summary>
internal sealed class ZoneClientAuthenticator(LocalKeycardZoneOptions options, Func<string> tokenEndpoint)
{
    /// <summary>RFC 7523 §2.2 <c>client_assertion_type</c>.</summary>
    public const string JwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private readonly JsonWebTokenHandler _handler = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seenAssertionIds = new(StringComparer.Ordinal);
    private int _acceptedAssertions;

    /// <summary>How many client assertions were accepted.</summary>
    public int AcceptedAssertions => Volatile.Read(ref _acceptedAssertions);

    /// <summary>The methods the zone accepts now, for its metadata.</summary>
    public IEnumerable<string> SupportedMethods()
    {
        if (options.AcceptClientSecret)
        {
            yield return "client_secret_basic";
        }

        if (options.ClientAssertionKeys.Count > 0)
        {
            yield return "private_key_jwt";
        }
    }

    /// <summary>Null when the request proves the client; else why not.</summary>
    public ClientAuthenticationFailure? Authenticate(RecordedTokenRequest request)
    {
        var hasAssertion = request.Form.ContainsKey("client_assertion") || request.Form.ContainsKey("client_assertion_type");
        if (hasAssertion && request.Authorization is not null)
        {
            return new("invalid_request", "The request uses more than one client authentication method (RFC 6749 §2.3).", 400);
        }

        if (request.Form.ContainsKey("client_secret"))
        {
            return Refuse("client_secret_post is not supported by this zone.");
        }

        return hasAssertion ? AuthenticateAssertion(request.Form) : AuthenticateBasic(request.Authorization);
    }

    private ClientAuthenticationFailure? AuthenticateBasic(string? authorization)
    {
        if (!options.AcceptClientSecret)
        {
            return Refuse("This zone accepts no client secret: authenticate with private_key_jwt.");
        }

        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse("Client authentication failed.");
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return Refuse("Client authentication failed.");
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return Refuse("Client authentication failed.");
        }

        var id = LocalKeycardZone.FormDecode(decoded[..colon]);
        var secret = LocalKeycardZone.FormDecode(decoded[(colon + 1)..]);
        var valid = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(id), Encoding.UTF8.GetBytes(options.ClientId))
            & CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(options.ClientSecret));
        return valid ? null : Refuse("Client authentication failed.");
    }

    private ClientAuthenticationFailure? AuthenticateAssertion(IReadOnlyDictionary<string, string> form)
    {
        if (!form.TryGetValue("client_assertion_type", out var type) || type != JwtBearerAssertionType)
        {
            return Refuse($"client_assertion_type must be {JwtBearerAssertionType}.");
        }

        if (!form.TryGetValue("client_assertion", out var assertion) || string.IsNullOrEmpty(assertion) || !_handler.CanReadToken(assertion))
        {
            return Refuse("client_assertion is missing or not a JWT.");
        }

        if (options.ClientAssertionKeys.Count == 0)
        {
            return Refuse("No key is registered for private_key_jwt.");
        }

        if (form.TryGetValue("client_id", out var clientId) && clientId != options.ClientId)
        {
            return Refuse("client_id does not match the client assertion.");
        }

        var now = options.TimeProvider.GetUtcNow();
        var result = _handler.ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            IssuerSigningKeys = [.. options.ClientAssertionKeys],
            TryAllIssuerSigningKeys = false,
            ValidAlgorithms = Algorithms,
            ValidIssuer = options.ClientId,
            ValidAudience = options.ClientAssertionAudience ?? tokenEndpoint(),
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.Zero,
            LifetimeValidator = (notBefore, expires, _, _) => (notBefore is null || notBefore <= now.UtcDateTime) && expires is not null && expires > now.UtcDateTime,
        }).GetAwaiter().GetResult();

        if (!result.IsValid)
        {
            return Refuse(result.Exception switch
            {
                SecurityTokenInvalidAudienceException => "The client assertion's aud is not this zone's token endpoint.",
                SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException or SecurityTokenNoExpirationException => "The client assertion is expired, not yet valid or has no exp.",
                SecurityTokenInvalidIssuerException => "The client assertion's iss is not the client id.",
                SecurityTokenSignatureKeyNotFoundException => "The client assertion's kid names no key registered for the client.",
                SecurityTokenInvalidSignatureException => "The client assertion's signature does not verify with the client's registered key.",
                _ => "The client assertion is not valid: " + result.Exception?.GetType().Name,
            });
        }

        if (!result.Claims.TryGetValue(JwtRegisteredClaimNames.Sub, out var sub) || sub as string != options.ClientId)
        {
            return Refuse("The client assertion's sub is not the client id.");
        }

        if (!result.Claims.TryGetValue(JwtRegisteredClaimNames.Jti, out var jtiClaim) || jtiClaim is not string { Length: > 0 } jti)
        {
            return Refuse("The client assertion has no jti.");
        }

        foreach (var (seen, expires) in _seenAssertionIds)
        {
            if (expires <= now)
            {
                _seenAssertionIds.TryRemove(seen, out _); // an expired assertion is refused anyway, so its jti can go
            }
        }

        if (!_seenAssertionIds.TryAdd(jti, new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero)))
        {
            return Refuse("The client assertion's jti was used before (replay).");
        }

        Interlocked.Increment(ref _acceptedAssertions);
        return null;
    }

    private static ClientAuthenticationFailure Refuse(string description) => new("invalid_client", description, 401);
}
