using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KeycardSentry.Internal;

/// <summary>
/// Validates subject tokens, cheapest checks first: size and characters (a token that is not an RFC 6750 bearer token
/// is refused before it is hashed or parsed), then remembered validations, then the JWT itself against the zone's
/// JWKS (signature, issuer exactly as the metadata names it, audience, exp/nbf on the injected clock). A JWT is bound
/// by its issuer and subject (<see cref="SubjectBinding.ForJwt"/>); a token that fails is rejected, never treated as
/// opaque. Which tokens that are not JWTs are accepted follows <see cref="KeycardOptions.SubjectTokens"/>.
/// </summary>
/// <remarks>
/// Successful JWT validations are remembered in a <see cref="SubjectValidationCache"/> keyed by the token's SHA-256
/// (itself computed once per token string): the same token presented again skips the signature check but still has its
/// <c>exp</c>/<c>nbf</c> checked on every call; an entry never outlives the JWKS it was checked against. A failure is
/// never remembered, and rejections are logged at most once per <see cref="RejectionLogInterval"/>.
/// </remarks>
internal sealed class SubjectTokenValidator : ISubjectTokenValidator
{
    /// <summary>At most one rejection warning per this interval (the rest are counted in the next line).</summary>
    public static readonly TimeSpan RejectionLogInterval = TimeSpan.FromSeconds(10);

    private readonly KeycardMetadataProvider _metadata;
    private readonly KeycardOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly KeycardMetrics _metrics;
    private readonly ILogger _logger;
    private readonly LogLimiter _rejectionLog;
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
        _rejectionLog = new LogLimiter(timeProvider, RejectionLogInterval);
        if (_options.SubjectValidationCacheSize > 0 && _options.SubjectValidationCacheDuration > TimeSpan.Zero)
        {
            _cache = new SubjectValidationCache(
                _options.SubjectValidationCacheSize, _options.SubjectValidationCacheDuration, _options.ClockSkew, timeProvider, logger);
        }
    }

    /// <summary>How many validations the cache remembers now (0 when it is off).</summary>
    internal int CachedValidations => _cache?.Count ?? 0;

    public ValueTask<SubjectIdentity> ValidateAsync(string subjectToken, CancellationToken cancellationToken = default) =>
        Validate(subjectToken, rememberHash: true, cancellationToken);

    public ValueTask<SubjectIdentity> ValidateReceivedAsync(string subjectToken) =>
        Validate(subjectToken, rememberHash: false, CancellationToken.None);

    private ValueTask<SubjectIdentity> Validate(string subjectToken, bool rememberHash, CancellationToken cancellationToken)
    {
        if (SubjectTokenShape.Check(subjectToken, _options.MaxSubjectTokenLength, rememberHash) is { } malformed)
        {
            throw Rejected(malformed, null);
        }

        var hash = SubjectTokenHash.Of(subjectToken, rememberHash);
        if (_cache is not null && CheckCache(hash) is { } remembered)
        {
            return new ValueTask<SubjectIdentity>(remembered);
        }

        return ValidateSlowAsync(subjectToken, hash, cancellationToken);
    }

    private async ValueTask<SubjectIdentity> ValidateSlowAsync(string subjectToken, SubjectTokenHash hash, CancellationToken cancellationToken)
    {
        var kinds = _options.SubjectTokens;
        var jwtShaped = LooksLikeJwt(subjectToken);
        if (!jwtShaped && kinds == SubjectTokenKinds.JwtOrOpaque)
        {
            return Opaque(hash);
        }

        if (!jwtShaped && kinds == SubjectTokenKinds.Jwt)
        {
            throw Rejected("it is not a JWT, and Keycard:SubjectTokens is Jwt (only JWTs signed by the zone are accepted)", null);
        }

        var metadata = await _metadata.GetAsync(cancellationToken).ConfigureAwait(false);
        if (!metadata.HasJwks)
        {
            if (kinds == SubjectTokenKinds.Jwt)
            {
                throw Rejected("the zone publishes no JWKS, so no JWT can be validated, and Keycard:SubjectTokens is Jwt", null);
            }

            return Opaque(hash);
        }

        if (!jwtShaped)
        {
            throw Rejected(
                "it is not a JWT, and the zone publishes signing keys, so only its JWTs are accepted " +
                "(set Keycard:SubjectTokens=JwtOrOpaque to pass other tokens to Keycard)",
                null);
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
            throw Rejected(Describe(result.Exception), result.Exception);
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        if (string.IsNullOrEmpty(jwt.Subject) || jwt.Subject.Length > 1024 || jwt.Subject.Any(char.IsControl))
        {
            throw Rejected("its 'sub' claim is missing, too long or has control characters, so it names no user", null);
        }

        var expires = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        var identity = new SubjectIdentity(SubjectBinding.ForJwt(jwt.Issuer, jwt.Subject), hash, expires);

        // Only a success is remembered (RequireExpirationTime makes every success carry an exp to re-check).
        if (_cache is not null)
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

    private static SubjectIdentity Opaque(in SubjectTokenHash hash) => new(SubjectBinding.ForOpaque(hash), hash, null);

    /// <summary>A remembered identity, or null to validate in full; throws, as the full validation would, when the token's lifetime is over.</summary>
    private SubjectIdentity? CheckCache(in SubjectTokenHash hash)
    {
        switch (_cache!.Lookup(hash, out var entry))
        {
            case SubjectCacheLookup.Hit:
                _metrics.SubjectValidationCacheHit();
                return entry!.Identity;
            case SubjectCacheLookup.Expired:
                throw Rejected("it has expired", new SecurityTokenExpiredException("The token has expired.") { Expires = entry!.Expires.UtcDateTime });
            case SubjectCacheLookup.NotYetValid:
                throw Rejected("it is not valid yet", new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = entry!.NotBefore!.Value.UtcDateTime });
            default:
                return null;
        }
    }

    private static string Describe(Exception? validationFailure) => validationFailure switch
    {
        SecurityTokenExpiredException => "it has expired",
        SecurityTokenNotYetValidException => "it is not valid yet",
        SecurityTokenInvalidIssuerException => "it was issued by another issuer than the zone's metadata names (Keycard:ZoneUrl)",
        SecurityTokenInvalidAudienceException => "its audience is not Keycard:SubjectAudience",
        SecurityTokenInvalidLifetimeException => "it has no valid lifetime (exp/nbf)",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "its signature does not verify against the zone's keys",
        _ => "it could not be validated (" + validationFailure?.GetType().Name + ")",
    };

    private KeycardSubjectException Rejected(string reason, Exception? validationFailure)
    {
        if (_rejectionLog.TryEnter(out var suppressed))
        {
            Log.SubjectRejected(_logger, reason, suppressed);
        }

        return new KeycardSubjectException(
            $"The subject token was rejected: {reason}. No token is issued for it; the user must sign in to Keycard again.",
            validationFailure);
    }

    private Task<TokenValidationResult> ValidateJwtAsync(string token, KeycardMetadata metadata)
    {
        var parameters = new TokenValidationParameters
        {
            // Exactly the issuer the metadata names: one user, one spelling, one cache entry and one grain.
            ValidIssuer = metadata.Issuer,
            ValidateIssuer = true,
            IssuerSigningKeys = metadata.SigningKeys,
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            ValidateAudience = !_options.AllowAnySubjectAudience,
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
