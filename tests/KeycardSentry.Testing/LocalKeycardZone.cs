using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KeycardSentry.Testing.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KeycardSentry.Testing;

/// <summary>
/// A Keycard zone on 127.0.0.1 (real HTTP through Kestrel) for tests and local runs: RFC 8414 metadata, a JWKS, and an
/// RFC 8693 token endpoint with <c>client_secret_basic</c> and <c>private_key_jwt</c> (for keys in
/// <see cref="LocalKeycardZoneOptions.ClientAssertionKeys"/>). It mints subject tokens (JWTs signed with its own RSA key,
/// or opaque ones), issues opaque random access tokens, records every token request, and lets a test inject faults,
/// hold requests at a gate, and check server-side which user an access token belongs to.
/// </summary>
/// <remarks>
/// Endpoints: <c>GET /.well-known/oauth-authorization-server</c>, <c>GET /.well-known/jwks.json</c>,
/// <c>POST /oauth/2/token</c> (grant types token-exchange and refresh_token). Errors follow RFC 6749 §5.2:
/// 401 <c>invalid_client</c> for bad credentials or a bad client assertion (wrong key, <c>iss</c>/<c>sub</c>, <c>aud</c>,
/// expired, replayed <c>jti</c>); 400 <c>invalid_request</c> for two authentication methods in one request; 400 <c>invalid_request</c> for a missing or unknown subject token or
/// a wrong <c>subject_token_type</c>; 400 <c>invalid_grant</c> for an expired or badly signed subject token or an unknown
/// refresh token; <c>unsupported_grant_type</c>; <c>invalid_target</c> for a resource that is not an absolute URI
/// without fragment (or not allowed); <c>invalid_scope</c> for scopes beyond the user's grant.
/// </remarks>
public sealed class LocalKeycardZone : IAsyncDisposable
{
    /// <summary>The RFC 8693 grant type.</summary>
    public const string TokenExchangeGrantType = "urn:ietf:params:oauth:grant-type:token-exchange";

    /// <summary>The RFC 8693 access-token token type.</summary>
    public const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

    private readonly LocalKeycardZoneOptions _options;
    private readonly Lock _keyLock = new();
    private readonly List<RsaSecurityKey> _allKeys = [];
    private RsaSecurityKey _signingKey;
    private IReadOnlyList<RsaSecurityKey> _publishedKeys;
    private readonly JsonWebTokenHandler _jwtHandler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly ConcurrentDictionary<string, IssuedToken> _accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IssuedToken> _refreshTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _opaqueSubjects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _revokedOpaqueSubjects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _grants;
    private readonly ConcurrentDictionary<string, int> _exchangesByUser = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<FaultResponse> _faults = new();
    private readonly ConcurrentQueue<RecordedTokenRequest> _requests = new();
    private readonly ConcurrentQueue<string> _metadataRequests = new();
    private int _jwksRequests;
    private readonly ConcurrentQueue<string> _issuedSecrets = new();
    private readonly ZoneClientAuthenticator _clientAuthenticator;
    private WebApplication? _app;
    private RequestGate? _gate;
    private int _totalExchanges;
    private int _refreshes;
    private int _metadataFailuresLeft;

    private LocalKeycardZone(LocalKeycardZoneOptions options)
    {
        _options = options;
        _signingKey = NewSigningKey();
        _publishedKeys = [_signingKey];
        _grants = new ConcurrentDictionary<string, IReadOnlyList<string>>(options.GrantedScopesByUser, StringComparer.Ordinal);
        _metadataFailuresLeft = options.MetadataFailures;
        _clientAuthenticator = new ZoneClientAuthenticator(options, () => Issuer + "/oauth/2/token");
        Issuer = string.Empty;
        ZoneUrl = null!;
    }

    /// <summary>The zone's issuer: its base URL without a trailing slash, e.g. <c>http://127.0.0.1:54321</c>.</summary>
    public string Issuer { get; private set; }

    /// <summary>The zone URL (same as <see cref="Issuer"/>; <see cref="Uri.OriginalString"/> has no trailing slash).</summary>
    public Uri ZoneUrl { get; private set; }

    /// <summary>The token endpoint, <c>{Issuer}/oauth/2/token</c>.</summary>
    public Uri TokenEndpoint => new(Issuer + "/oauth/2/token");

    /// <summary>The client id the token endpoint accepts.</summary>
    public string ClientId => _options.ClientId;

    /// <summary>The client secret the token endpoint accepts.</summary>
    public string ClientSecret => _options.ClientSecret;

    /// <summary>The zone's options (read them; change the mutable ones only between requests).</summary>
    public LocalKeycardZoneOptions Options => _options;

    /// <summary>Every request that reached the token endpoint, in arrival order.</summary>
    public IReadOnlyList<RecordedTokenRequest> Requests => [.. _requests];

    /// <summary>How many metadata documents were requested (including failed ones).</summary>
    public int MetadataRequestCount => _metadataRequests.Count;

    /// <summary>How many times the JWKS was requested.</summary>
    public int JwksRequestCount => Volatile.Read(ref _jwksRequests);

    /// <summary>The <c>kid</c> of the key new subject tokens are signed with.</summary>
    public string SigningKeyId => Volatile.Read(ref _signingKey).KeyId;

    /// <summary>The <c>kid</c>s the JWKS publishes now (the zone itself accepts subject tokens signed with these keys only).</summary>
    public IReadOnlyList<string> PublishedKeyIds => [.. Volatile.Read(ref _publishedKeys).Select(k => k.KeyId)];

    /// <summary>Every access and refresh token the zone ever issued (for leak tests: none may appear in logs or messages).</summary>
    public IReadOnlyCollection<string> AllIssuedTokens => [.. _issuedSecrets];

    /// <summary>Successful token exchanges (grant type token-exchange), all users.</summary>
    public int TotalExchanges => Volatile.Read(ref _totalExchanges);

    /// <summary>How many <c>private_key_jwt</c> client assertions the token endpoint accepted.</summary>
    public int AcceptedClientAssertions => _clientAuthenticator.AcceptedAssertions;

    /// <summary>Successful refresh-token grants, all users.</summary>
    public int TotalRefreshes => Volatile.Read(ref _refreshes);

    /// <summary>
    /// A hook asked for every token request before it is processed: return a <see cref="FaultResponse"/> to answer
    /// with it, or null to process normally. Runs after <see cref="EnqueueFault"/>'d faults are used up.
    /// </summary>
    public Func<RecordedTokenRequest, FaultResponse?>? FaultHook { get; set; }

    /// <summary>Starts a zone on <c>http://127.0.0.1:{ephemeral port}</c>.</summary>
    public static async Task<LocalKeycardZone> StartAsync(LocalKeycardZoneOptions? options = null)
    {
        var zone = new LocalKeycardZone(options ?? new LocalKeycardZoneOptions());
        var (app, baseUrl) = await LoopbackHost.StartAsync(zone.Map).ConfigureAwait(false);
        zone._app = app;
        zone.Issuer = LoopbackHost.NoSlash(baseUrl);
        zone.ZoneUrl = new Uri(zone.Issuer, UriKind.Absolute);
        return zone;
    }

    /// <summary>
    /// Mints a subject token for <paramref name="user"/>: a JWT signed with the zone's key, with <c>iss</c> = <see cref="Issuer"/>,
    /// <c>sub</c> = user, and <c>iat</c>/<c>nbf</c>/<c>exp</c> from the zone's <see cref="LocalKeycardZoneOptions.TimeProvider"/>.
    /// </summary>
    public string MintSubjectToken(string user, TimeSpan? lifetime = null) => Mint(user, lifetime ?? _options.SubjectTokenLifetime, Volatile.Read(ref _signingKey));

    /// <summary>
    /// Mints a subject token like <see cref="MintSubjectToken"/> but for another audience (<c>aud</c>), e.g. a token the
    /// zone issued to another client: an app that checks <c>Keycard:SubjectAudience</c> must refuse it.
    /// </summary>
    public string MintSubjectTokenForAudience(string user, string? audience, TimeSpan? lifetime = null) =>
        Mint(user, lifetime ?? _options.SubjectTokenLifetime, Volatile.Read(ref _signingKey), audience);

    /// <summary>
    /// Mints a subject token like <see cref="MintSubjectToken"/>, signed with the zone's own key, but with another
    /// <c>iss</c> (e.g. the issuer with a trailing slash): an app must accept exactly the issuer the metadata names.
    /// </summary>
    public string MintSubjectTokenForIssuer(string user, string issuer, TimeSpan? lifetime = null) =>
        Mint(user, lifetime ?? _options.SubjectTokenLifetime, Volatile.Read(ref _signingKey), _options.SubjectAudience, issuer);

    /// <summary>The <c>aud</c> of the subject tokens the zone mints (<see cref="LocalKeycardZoneOptions.SubjectAudience"/>).</summary>
    public string SubjectAudience => _options.SubjectAudience;

    /// <summary>
    /// Mints a JWT that looks like the zone's (same issuer, same <c>kid</c>, the given <c>sub</c>) but is signed with a
    /// different key: what an attacker impersonating <paramref name="user"/> would present.
    /// </summary>
    public string MintForgedSubjectToken(string user, TimeSpan? lifetime = null)
    {
        var attackerKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = SigningKeyId };
        return Mint(user, lifetime ?? _options.SubjectTokenLifetime, attackerKey);
    }

    /// <summary>
    /// Mints a JWT with the zone's issuer and the given <c>sub</c>, signed with a throw-away key under a made-up <c>kid</c>
    /// the zone never publishes: what a client flooding the validator with unknown key ids would present.
    /// </summary>
    public string MintSubjectTokenWithUnknownKey(string user, TimeSpan? lifetime = null)
    {
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "unknown-" + RandomNumberGenerator.GetHexString(12, lowercase: true) };
        return Mint(user, lifetime ?? _options.SubjectTokenLifetime, key);
    }

    /// <summary>Creates an opaque (non-JWT) subject token the zone accepts for <paramref name="user"/>.</summary>
    public string MintOpaqueSubjectToken(string user)
    {
        var token = "kc_opaque_" + RandomNumberGenerator.GetHexString(40, lowercase: true);
        _opaqueSubjects[token] = user;
        return token;
    }

    /// <summary>
    /// Revokes an opaque subject token <see cref="MintOpaqueSubjectToken"/> created: from now on an exchange of it is
    /// answered <c>invalid_grant</c> (the user must sign in again). False when the zone did not issue it.
    /// </summary>
    public bool RevokeOpaqueSubjectToken(string token)
    {
        if (token is null || !_opaqueSubjects.TryRemove(token, out var user))
        {
            return false;
        }

        _revokedOpaqueSubjects[token] = user;
        return true;
    }

    /// <summary>
    /// Rotates the signing key: a new RSA key with a new <c>kid</c> signs every subject token minted from now on and is
    /// published in the JWKS. The old key stays published (tokens signed with it keep validating) when
    /// <paramref name="keepOldKeyPublished"/> is true; otherwise it is withdrawn at once, as after a key compromise.
    /// Returns the new <c>kid</c>.
    /// </summary>
    public string RotateSigningKey(bool keepOldKeyPublished)
    {
        lock (_keyLock)
        {
            var next = NewSigningKey();
            var published = keepOldKeyPublished ? [.. _publishedKeys, next] : new List<RsaSecurityKey> { next };
            Volatile.Write(ref _publishedKeys, published);
            Volatile.Write(ref _signingKey, next);
            return next.KeyId!;
        }
    }

    /// <summary>Withdraws a published key from the JWKS (and from the zone's own validation); false when it was not published.</summary>
    public bool WithdrawSigningKey(string keyId)
    {
        lock (_keyLock)
        {
            var remaining = _publishedKeys.Where(k => !string.Equals(k.KeyId, keyId, StringComparison.Ordinal)).ToList();
            if (remaining.Count == _publishedKeys.Count)
            {
                return false;
            }

            Volatile.Write(ref _publishedKeys, remaining);
            return true;
        }
    }

    /// <summary>Makes the next <paramref name="count"/> metadata requests answer 500 (a zone briefly unreachable).</summary>
    public void FailNextMetadataRequests(int count) => Volatile.Write(ref _metadataFailuresLeft, count);

    /// <summary>Sets the scopes <paramref name="user"/> is granted (what a Keycard admin would add in the console).</summary>
    public void SetGrantedScopes(string user, params string[] scopes) => _grants[user] = scopes;

    /// <summary>The scopes <paramref name="user"/> is granted.</summary>
    public IReadOnlyList<string> GrantedScopes(string user) => _grants.TryGetValue(user, out var scopes) ? scopes : _options.DefaultGrantedScopes;

    /// <summary>Successful token exchanges for <paramref name="user"/>.</summary>
    public int ExchangeCount(string user) => _exchangesByUser.TryGetValue(user, out var count) ? count : 0;

    /// <summary>Queues a fault: the next token request gets it instead of being processed (one request per fault).</summary>
    public void EnqueueFault(FaultResponse fault) => _faults.Enqueue(fault ?? throw new ArgumentNullException(nameof(fault)));

    /// <summary>
    /// From now on every token request waits at the returned gate until the test releases it (a gate never released
    /// makes clients time out). Replaces any earlier gate; <see cref="DisposeAsync"/> releases it.
    /// </summary>
    public RequestGate HoldTokenRequests()
    {
        var gate = new RequestGate();
        Interlocked.Exchange(ref _gate, gate)?.Release();
        return gate;
    }

    /// <summary>Stops holding token requests (releases the current gate).</summary>
    public void StopHolding() => Interlocked.Exchange(ref _gate, null)?.Release();

    /// <summary>
    /// Resolves an access token the zone issued: its user, scopes, resource and expiry. False for unknown or revoked
    /// tokens (expired ones resolve: compare <see cref="IssuedToken.ExpiresAt"/> with <see cref="Now"/>).
    /// </summary>
    public bool TryResolveAccessToken(string accessToken, out IssuedToken info)
    {
        if (accessToken is not null && _accessTokens.TryGetValue(accessToken, out var found))
        {
            info = found;
            return true;
        }

        info = null!;
        return false;
    }

    /// <summary>Revokes an issued access token: it no longer resolves (the Sentry stand-in then answers 401).</summary>
    public bool RevokeAccessToken(string accessToken) => _accessTokens.TryRemove(accessToken, out _);

    /// <summary>Revokes every access token issued to <paramref name="user"/>; returns how many.</summary>
    public int RevokeAccessTokensOf(string user)
    {
        var count = 0;
        foreach (var (token, info) in _accessTokens)
        {
            if (info.User == user && _accessTokens.TryRemove(token, out _))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The zone's current time (its <see cref="LocalKeycardZoneOptions.TimeProvider"/>).</summary>
    public DateTimeOffset Now => _options.TimeProvider.GetUtcNow();

    /// <summary>Builds a <c>client_secret_basic</c> header value the way RFC 6749 §2.3.1 says (form-url-encode, then base64).</summary>
    public static string BasicAuthorization(string clientId, string clientSecret) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(FormEncode(clientId) + ":" + FormEncode(clientSecret)));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        StopHolding();
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        lock (_keyLock)
        {
            foreach (var key in _allKeys)
            {
                key.Rsa?.Dispose();
            }
        }
    }

    private RsaSecurityKey NewSigningKey()
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "local-zone-" + RandomNumberGenerator.GetHexString(8, lowercase: true) };
        _allKeys.Add(key);
        return key;
    }

    private string Mint(string user, TimeSpan lifetime, RsaSecurityKey key) => Mint(user, lifetime, key, _options.SubjectAudience);

    /// <summary>The key new subject tokens are signed with (for <see cref="SubjectTokenForgeries"/>, which signs with it under other claims).</summary>
    internal RsaSecurityKey SigningKey => Volatile.Read(ref _signingKey);

    internal string Mint(string user, TimeSpan lifetime, RsaSecurityKey key, string? audience, string? issuer = null, DateTimeOffset? issuedAt = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        var now = (issuedAt ?? _options.TimeProvider.GetUtcNow()).UtcDateTime;
        return _jwtHandler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", user), new Claim("jti", Guid.NewGuid().ToString("N"))]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/.well-known/oauth-authorization-server", (Delegate)ServeMetadata);
        app.MapGet("/.well-known/jwks.json", ServeJwks);
        app.MapPost("/oauth/2/token", HandleTokenRequestAsync);
    }

    private IResult ServeMetadata(HttpContext context)
    {
        _metadataRequests.Enqueue(context.Request.Path);
        if (Interlocked.Decrement(ref _metadataFailuresLeft) >= 0)
        {
            return Results.Text("{\"error\":\"server_error\"}", "application/json", statusCode: 500);
        }

        var metadata = new Dictionary<string, object>
        {
            ["issuer"] = _options.MetadataIssuerOverride ?? Issuer,
            ["token_endpoint"] = Issuer + "/oauth/2/token",
            ["grant_types_supported"] = new[] { TokenExchangeGrantType, "refresh_token" },
            ["token_endpoint_auth_methods_supported"] = _clientAuthenticator.SupportedMethods().ToArray(),
            ["response_types_supported"] = Array.Empty<string>(),
        };
        if (_options.PublishJwks)
        {
            metadata["jwks_uri"] = Issuer + "/.well-known/jwks.json";
        }

        return Results.Text(JsonSerializer.Serialize(metadata), "application/json");
    }

    private IResult ServeJwks()
    {
        Interlocked.Increment(ref _jwksRequests);
        var keys = Volatile.Read(ref _publishedKeys).Select(k =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(k);
            return new Dictionary<string, string>
            {
                ["kty"] = jwk.Kty,
                ["use"] = "sig",
                ["alg"] = SecurityAlgorithms.RsaSha256,
                ["kid"] = jwk.Kid,
                ["n"] = jwk.N,
                ["e"] = jwk.E,
            };
        }).ToArray();
        return Results.Text(JsonSerializer.Serialize(new { keys }), "application/json");
    }

    private async Task HandleTokenRequestAsync(HttpContext context)
    {
        var recorded = await RecordAsync(context.Request).ConfigureAwait(false);
        _requests.Enqueue(recorded);

        var gate = Volatile.Read(ref _gate);
        if (gate is not null)
        {
            try
            {
                await gate.PassAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // the client gave up (time-out test)
            }
        }

        if (_options.ExchangeLatency > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(_options.ExchangeLatency, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var fault = _faults.TryDequeue(out var queued) ? queued : FaultHook?.Invoke(recorded);
        if (fault is not null)
        {
            await WriteFaultAsync(context, fault).ConfigureAwait(false);
            return;
        }

        var (status, body) = Process(recorded);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        if (status == 401)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"keycard\"";
        }

        await context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteFaultAsync(HttpContext context, FaultResponse fault)
    {
        context.Response.StatusCode = fault.StatusCode;
        if (fault.ContentType.Length > 0)
        {
            context.Response.ContentType = fault.ContentType;
        }

        try
        {
            if (fault.StatusCode is 204 or 304 || (fault.RawBody is null && fault.Body.Length == 0))
            {
                return; // no body (and Kestrel refuses one for 204 and 304)
            }

            if (fault.RawBody is { } raw)
            {
                context.Response.ContentLength = raw.Length;
                await context.Response.Body.WriteAsync(raw, context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                await context.Response.WriteAsync(fault.Body, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client stopped reading (a body over its limit): nothing left to do.
        }
    }

    private (int Status, Dictionary<string, object> Body) Process(RecordedTokenRequest request)
    {
        if (_clientAuthenticator.Authenticate(request) is { } refused)
        {
            return Error(refused.Error, refused.Description, refused.Status);
        }

        if (request.ContentType is null || !request.ContentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return Error("invalid_request", "The request body must be application/x-www-form-urlencoded.");
        }

        return request.GrantType switch
        {
            null or "" => Error("invalid_request", "grant_type is missing."),
            TokenExchangeGrantType => Exchange(request.Form),
            "refresh_token" => Refresh(request.Form),
            _ => Error("unsupported_grant_type", "The grant type is not supported."),
        };
    }

    private (int, Dictionary<string, object>) Exchange(IReadOnlyDictionary<string, string> form)
    {
        if (!form.TryGetValue("subject_token", out var subjectToken) || string.IsNullOrEmpty(subjectToken))
        {
            return Error("invalid_request", "subject_token is missing.");
        }

        if (!form.TryGetValue("subject_token_type", out var subjectType) || subjectType != AccessTokenType)
        {
            return Error("invalid_request", "subject_token_type must be " + AccessTokenType + ".");
        }

        string user;
        if (_revokedOpaqueSubjects.ContainsKey(subjectToken))
        {
            return Error("invalid_grant", "The subject token was revoked.");
        }

        if (_opaqueSubjects.TryGetValue(subjectToken, out var opaqueUser))
        {
            user = opaqueUser;
        }
        else
        {
            var (validUser, failure) = ValidateSubjectJwt(subjectToken);
            if (validUser is null)
            {
                return failure;
            }

            user = validUser;
        }

        form.TryGetValue("resource", out var resource);
        if (!IsValidResource(resource))
        {
            return Error("invalid_target", "The resource is not an absolute URI without fragment, or not served by this zone.");
        }

        var granted = GrantedScopes(user);
        var requested = form.TryGetValue("scope", out var scope) ? scope.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        var unknown = requested.Where(s => !granted.Contains(s, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            return Error("invalid_scope", "Scopes not granted: " + string.Join(' ', unknown));
        }

        var scopes = requested.Length > 0 ? requested : [.. granted];
        _exchangesByUser.AddOrUpdate(user, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _totalExchanges);
        return (200, Issue(user, scopes, resource!));
    }

    private (int, Dictionary<string, object>) Refresh(IReadOnlyDictionary<string, string> form)
    {
        if (!form.TryGetValue("refresh_token", out var refreshToken) || string.IsNullOrEmpty(refreshToken))
        {
            return Error("invalid_request", "refresh_token is missing.");
        }

        if (!_options.IssueRefreshTokens || !_refreshTokens.TryRemove(refreshToken, out var grant))
        {
            return Error("invalid_grant", "The refresh token is unknown, used or revoked.");
        }

        var requested = form.TryGetValue("scope", out var scope) ? scope.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        if (requested.Any(s => !grant.Scopes.Contains(s)))
        {
            return Error("invalid_scope", "A refresh cannot widen the scopes.");
        }

        Interlocked.Increment(ref _refreshes);
        return (200, Issue(grant.User, requested.Length > 0 ? requested : [.. grant.Scopes], grant.Resource));
    }

    private Dictionary<string, object> Issue(string user, string[] scopes, string resource)
    {
        var accessToken = "kc_at_" + RandomNumberGenerator.GetHexString(48, lowercase: true);
        var lifetime = _options.AccessTokenLifetime ?? TimeSpan.FromHours(1);
        var scopeSet = new HashSet<string>(scopes, StringComparer.Ordinal);
        _accessTokens[accessToken] = new IssuedToken(user, scopeSet, resource, Now + lifetime);
        _issuedSecrets.Enqueue(accessToken);

        var body = new Dictionary<string, object>
        {
            ["access_token"] = accessToken,
            ["token_type"] = "Bearer",
        };
        if (_options.IncludeIssuedTokenType)
        {
            body["issued_token_type"] = AccessTokenType;
        }

        if (_options.AccessTokenLifetime is { } expiresIn)
        {
            body["expires_in"] = (long)expiresIn.TotalSeconds;
        }

        if (_options.IncludeScopeInResponse)
        {
            body["scope"] = string.Join(' ', scopes);
        }

        if (_options.IssueRefreshTokens)
        {
            var refreshToken = "kc_rt_" + RandomNumberGenerator.GetHexString(48, lowercase: true);
            _refreshTokens[refreshToken] = new IssuedToken(user, scopeSet, resource, DateTimeOffset.MaxValue);
            _issuedSecrets.Enqueue(refreshToken);
            body["refresh_token"] = refreshToken;
        }

        return body;
    }

    private (string? User, (int, Dictionary<string, object>) Failure) ValidateSubjectJwt(string token)
    {
        if (!_jwtHandler.CanReadToken(token))
        {
            return (null, Error("invalid_request", "The subject token is not a token this zone issued."));
        }

        var result = _jwtHandler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = Volatile.Read(ref _publishedKeys),
            ValidIssuer = Issuer,
            ValidateAudience = false,
            ClockSkew = TimeSpan.Zero,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = _options.TimeProvider.GetUtcNow().UtcDateTime;
                return (notBefore is null || notBefore <= now) && expires is not null && expires > now;
            },
        }).GetAwaiter().GetResult();

        if (!result.IsValid || result.Claims.TryGetValue("sub", out var sub) is false || sub is not string user)
        {
            return (null, Error("invalid_grant", "The subject token is expired, not yet valid or not signed by this zone."));
        }

        return (user, default);
    }

    private bool IsValidResource(string? resource)
    {
        if (string.IsNullOrEmpty(resource) || !Uri.TryCreate(resource, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.Fragment) || resource.Contains('#'))
        {
            return false;
        }

        return _options.AllowedResources.Count == 0 || _options.AllowedResources.Contains(resource);
    }

    private static async Task<RecordedTokenRequest> RecordAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var raw = await reader.ReadToEndAsync().ConfigureAwait(false);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            foreach (var pair in raw.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var name = FormDecode(eq < 0 ? pair : pair[..eq]);
                form[name] = eq < 0 ? string.Empty : FormDecode(pair[(eq + 1)..]);
            }
        }

        return new RecordedTokenRequest(request.Method, request.Path.Value ?? string.Empty, request.ContentType, headers, form, raw);
    }

    private static (int, Dictionary<string, object>) Error(string error, string description, int status = 400) =>
        (status, new Dictionary<string, object> { ["error"] = error, ["error_description"] = description });

    internal static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private static string FormEncode(string value) => Uri.EscapeDataString(value).Replace("%20", "+", StringComparison.Ordinal);
}
