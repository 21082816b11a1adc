using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KeycardSentry.Internal;

/// <summary>
/// Validates subject tokens. A token that reads as a JWT is validated against the zone's JWKS whenever the zone
/// publishes one (signature, issuer, exp/nbf on the injected clock) and bound by <c>sub:{iss}|{sub}</c>; a token that
/// fails is rejected, never treated as opaque. Opaque tokens (or any token when the zone has no JWKS) are bound by
/// <c>token:{sha256-hex}</c>, so only the very same token matches.
/// </summary>
/// <remarks>
/// Successful JWT validations are remembered in a <see cref="SubjectValidationCache"/> keyed by the token's SHA-256:
/// the same token presented again skips discovery and the RSA signature check (most of a cache-hit call's cost) but
/// still has its <c>exp</c>/<c>nbf</c> checked on every call; an entry never outlives the JWKS it was checked against.
/// A failed validation is never remembered. A token whose <c>kid</c> the cached JWKS lacks makes the metadata provider
/// fetch the JWKS again (rate-limited) and is validated once more. Opaque tokens need no metadata at all.
/// </remarks>
internal sealed class SubjectTokenValidator : ISubjectTokenValidator
{
    private readonly KeycardMetadataProvider _metadata;
    private readonly KeycardOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly KeycardMetrics _metrics;
    private readonly ILogger _logger;
    private readonly SubjectValidationCache? _cache;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public SubjectTokenValidator(
        KeycardMetadataProvider metadata,
        IOptions<KeycardOptions> options,
        TimeProvider timeProvider,
        KeycardMetrics metrics,
        ILogger<SubjectTokenValidator> logger)
    {
        _metadata = metadata;
        _options = options.Value;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        if (_options.SubjectValidationCacheSize > 0 && _options.SubjectValidationCacheDuration > TimeSpan.Zero)
        {
            _cache = new SubjectValidationCache(
                _options.SubjectValidationCacheSize, _options.SubjectValidationCacheDuration, _options.ClockSkew, timeProvider, logger);
        }
    }

    /// <summary>How many validations the cache remembers now (0 when it is off).</summary>
    internal int CachedValidations => _cache?.Count ?? 0;

    public async ValueTask<SubjectIdentity> ValidateAsync(string subjectToken, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(subjectToken))
        {
            throw new KeycardSubjectException("The subject token is empty: pass the user's Keycard access token.");
        }

        // The hash serves both the validation cache and the opaque binding key.
        var hash = SubjectTokenHash.Compute(subjectToken);
        if (_cache is not null && CheckCache(hash) is { } remembered)
        {
            return remembered;
        }

        // A token that is not JWT-shaped is bound opaquely whatever the zone publishes, so it needs no metadata.
        if (!LooksLikeJwt(subjectToken))
        {
            return OpaqueIdentity(hash);
        }

        var metadata = await _metadata.GetAsync(cancellationToken).ConfigureAwait(false);
        if (!metadata.HasJwks)
        {
            return OpaqueIdentity(hash);
        }

        if (_cache is not null)
        {
            _metrics.SubjectValidationCacheMiss();
        }

        var result = await ValidateJwtAsync(subjectToken, metadata).ConfigureAwait(false);
        if (!result.IsValid
            && result.Exception is SecurityTokenSignatureKeyNotFoundException
            && await _metadata.RefreshForUnknownKeyAsync(metadata, cancellationToken).ConfigureAwait(false) is { } refreshed)
        {
            // The zone may have rotated a new key in: validate once more against the JWKS fetched just now (the
            // provider fetches at most once per JwksMinimumRefreshInterval for this, so made-up kids cost no fetches).
            metadata = refreshed;
            result = await ValidateJwtAsync(subjectToken, metadata).ConfigureAwait(false);
        }

        if (!result.IsValid)
        {
            throw Rejected(result.Exception);
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        if (string.IsNullOrEmpty(jwt.Subject))
        {
            Log.SubjectRejected(_logger, "no sub claim");
            throw new KeycardSubjectException("The subject token was rejected: it is a valid JWT without a 'sub' claim, so it names no user.");
        }

        var expires = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        var identity = new SubjectIdentity($"sub:{jwt.Issuer}|{jwt.Subject}", jwt.Subject, jwt.ValidTo == DateTime.MinValue ? null : expires);

        // Only a success is remembered, and only with an exp to re-check (RequireExpirationTime makes that every success).
        if (_cache is not null && jwt.ValidTo != DateTime.MinValue)
        {
            var notBefore = jwt.ValidFrom == DateTime.MinValue ? (DateTimeOffset?)null : new DateTimeOffset(jwt.ValidFrom, TimeSpan.Zero);
            _cache.Add(hash, identity, notBefore, expires, metadata.RefreshDue);
        }

        return identity;
    }

    /// <summary>Three dot-separated base64url segments whose header decodes as JSON: what a JWS looks like.</summary>
    internal bool LooksLikeJwt(string token)
    {
        if (token.AsSpan().Count('.') != 2 || !_handler.CanReadToken(token))
        {
            return false;
        }

        try
        {
            _ = _handler.ReadJsonWebToken(token);
            return true;
        }
        catch (ArgumentException)
        {
            // SecurityTokenMalformedException derives from ArgumentException.
            return false;
        }
    }

    private static SubjectIdentity OpaqueIdentity(in SubjectTokenHash hash) => new("token:" + hash.ToHexLower(), null, null);

    internal static string OpaqueBindingKey(string token) => "token:" + SubjectTokenHash.Compute(token).ToHexLower();

    /// <summary>A remembered identity, or null to validate in full; throws, as the full validation would, when the token's lifetime is over.</summary>
    private SubjectIdentity? CheckCache(in SubjectTokenHash hash)
    {
        switch (_cache!.Lookup(hash, out var entry))
        {
            case SubjectCacheLookup.Hit:
                _metrics.SubjectValidationCacheHit();
                return entry!.Identity;
            case SubjectCacheLookup.Expired:
                throw Rejected(new SecurityTokenExpiredException("The token has expired.") { Expires = entry!.Expires.UtcDateTime });
            case SubjectCacheLookup.NotYetValid:
                throw Rejected(new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = entry!.NotBefore!.Value.UtcDateTime });
            default:
                return null;
        }
    }

    private KeycardSubjectException Rejected(Exception? validationFailure)
    {
        var reason = validationFailure switch
        {
            SecurityTokenExpiredException => "it has expired",
            SecurityTokenNotYetValidException => "it is not valid yet",
            SecurityTokenInvalidIssuerException => "it was issued by another issuer than Keycard:ZoneUrl",
            SecurityTokenInvalidAudienceException => "its audience is not Keycard:SubjectAudience",
            SecurityTokenInvalidLifetimeException => "it has no valid lifetime (exp/nbf)",
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "its signature does not verify against the zone's keys",
            _ => "it could not be validated (" + validationFailure?.GetType().Name + ")",
        };
        Log.SubjectRejected(_logger, reason);
        return new KeycardSubjectException(
            $"The subject token was rejected: {reason}. No token is issued for it; the user must sign in to Keycard again.",
            validationFailure);
    }

    private Task<TokenValidationResult> ValidateJwtAsync(string token, KeycardMetadata metadata)
    {
        var issuer = metadata.Issuer.TrimEnd('/');
        var parameters = new TokenValidationParameters
        {
            ValidIssuers = [issuer, issuer + "/"],
            ValidateIssuer = true,
            IssuerSigningKeys = metadata.SigningKeys,
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            ValidateAudience = _options.SubjectAudience is not null,
            ValidAudience = _options.SubjectAudience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = _options.ClockSkew,
            // The lifetime check runs on the injected clock, so tests (and hosts) control expiry with a TimeProvider.
            LifetimeValidator = ValidateLifetime,
        };
        return _handler.ValidateTokenAsync(token, parameters);
    }

    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        if (expires is null)
        {
            throw new SecurityTokenInvalidLifetimeException("The token has no expiration time.");
        }

        if (notBefore is { } nbf && nbf > now + _options.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = nbf };
        }

        if (expires.Value <= now - _options.ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = expires.Value };
        }

        return true;
    }
}
