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

/// <summary>The token endpoint: client authentication, token exchange (RFC 8693), refresh, and injected faults.</summary>
public sealed partial class LocalKeycardZone
{
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
