using System.ComponentModel;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using KeycardSentry.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KeycardSentry;

/// <summary>
/// Puts the current user's exchanged token on each API request. The user is whoever <see cref="ISubjectTokenAccessor"/>
/// says for this call (by default <see cref="KeycardSubject.Use"/>); the handler itself holds no per-user state, so
/// one pooled instance serves every user. Before sending, it refuses a call whose required scopes (from the
/// <see cref="IApiScopeCatalog"/>, any one suffices, after expanding the granted scopes) the token lacks. After
/// sending, a 401 invalidates the token and retries once with a fresh one; a second 401 throws
/// <see cref="SentryAuthorizationException"/>; a 403 throws <see cref="SentryScopeException"/>.
/// </summary>
public sealed class KeycardTokenHandler : DelegatingHandler
{
    /// <summary>The request option Refit sets to the interface a call was made through.</summary>
    public const string RefitInterfaceTypeKey = "Refit.InterfaceType";

    /// <summary>The request option Refit sets to the interface method's name.</summary>
    public const string RefitMethodNameKey = "Refit.MethodName";

    private static readonly HttpRequestOptionsKey<Type> InterfaceTypeOption = new(RefitInterfaceTypeKey);
    private static readonly HttpRequestOptionsKey<string> MethodNameOption = new(RefitMethodNameKey);

    private readonly IKeycardTokenProvider _tokens;
    private readonly ISubjectTokenAccessor _subject;
    private readonly IApiScopeCatalog _catalog;
    private readonly SentryApiOptions _options;
    private readonly NormalizedScopes _scopes;
    private readonly ILogger _logger;

    /// <summary>Creates the handler (normally done by <c>AddKeycardApiClients</c>).</summary>
    public KeycardTokenHandler(
        IKeycardTokenProvider tokens,
        ISubjectTokenAccessor subject,
        IApiScopeCatalog catalog,
        IOptions<SentryApiOptions> options,
        ILogger<KeycardTokenHandler> logger)
    {
        _tokens = tokens ?? throw new ArgumentNullException(nameof(tokens));
        _subject = subject ?? throw new ArgumentNullException(nameof(subject));
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));

        // Options are fixed once the host has started (and validated them): sort and de-duplicate the scopes once, not per call.
        _scopes = NormalizedScopes.From(_options.Scopes);
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var subjectToken = _subject.GetSubjectToken();
        if (string.IsNullOrWhiteSpace(subjectToken))
        {
            // An accessor may say where it looks with [Description] (a compile-time constant, so never a token),
            // e.g. AddKeycardSubjectFromHttpContext's request rules.
            var where = _subject.GetType().GetCustomAttribute<DescriptionAttribute>()?.Description;
            var missing = new InvalidOperationException(
                "No Keycard subject token for this call. " + (where is null ? "" : $"The registered ISubjectTokenAccessor found none: {where}. ") +
                "Wrap the call in 'using (KeycardSubject.Use(userKeycardAccessToken)) { ... }', " +
                "or register an ISubjectTokenAccessor that returns the current user's Keycard access token.");
            missing.Data[KeycardRefitSettings.HandlerErrorMarker] = true;
            throw missing;
        }

        var tokenRequest = new KeycardTokenRequest(subjectToken, _options.Resource, _scopes);
        var method = new CallSite(request);
        IReadOnlyList<string> required = [];
        var known = method.InterfaceType is not null && method.MethodName is not null && _catalog.TryGetRequiredScopes(method.InterfaceType, method.MethodName, out required);

        var token = await _tokens.GetTokenAsync(tokenRequest, cancellationToken).ConfigureAwait(false);
        if (known)
        {
            EnsureScopes(token, required, method);
        }

        // Buffer the body so the request can be sent again after a 401.
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);

        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            Log.RetryingAfterUnauthorized(_logger, token.Fingerprint, method.Describe());
            response.Dispose();
            await _tokens.InvalidateAsync(tokenRequest, token.Fingerprint, cancellationToken).ConfigureAwait(false);
            token = await _tokens.GetTokenAsync(tokenRequest, cancellationToken).ConfigureAwait(false);
            if (known)
            {
                EnsureScopes(token, required, method);
            }

            using var retry = await CloneAsync(request, cancellationToken).ConfigureAwait(false);
            retry.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
            response = await base.SendAsync(retry, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                var detail = await ReadDetailAsync(response, cancellationToken).ConfigureAwait(false);
                response.Dispose();
                Log.SentryRefused(_logger, 401, method.Describe(), token.Fingerprint, detail);
                throw new SentryAuthorizationException(
                    $"Sentry answered 401 ({detail ?? "no detail"}) to {method.Describe()}, also with a freshly exchanged token: the Sentry token Keycard holds for this user is invalid or expired. " +
                    "Re-connect the Sentry provider for this user in Keycard, then try again.",
                    HttpStatusCode.Unauthorized,
                    detail,
                    method.Describe());
            }
        }

        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            var detail = await ReadDetailAsync(response, cancellationToken).ConfigureAwait(false);
            response.Dispose();
            var granted = token.Scopes.Order(StringComparer.Ordinal).ToList();
            Log.SentryRefused(_logger, 403, method.Describe(), token.Fingerprint, detail);
            throw new SentryScopeException(
                $"Sentry answered 403 ({detail ?? "no detail"}) to {method.Describe()}. " +
                (known ? $"The method needs one of [{string.Join(' ', required)}]; " : "The method's required scopes are not in the catalog; ") +
                $"the token has [{string.Join(' ', granted)}]. Check the scopes of the Sentry application Keycard uses, the scopes of the Sentry resource in Keycard, " +
                "and that org:read is granted for the organizations endpoints.",
                HttpStatusCode.Forbidden,
                required,
                granted,
                detail,
                method.Describe());
        }

        return response;
    }

    private void EnsureScopes(KeycardToken token, IReadOnlyList<string> required, CallSite call)
    {
        // An empty scope set means Keycard did not say what it granted and none were requested: let Sentry decide.
        if (required.Count == 0 || token.Scopes.Count == 0)
        {
            return;
        }

        var expanded = ScopeMath.Expand(token.Scopes, _catalog.Implications);
        if (ScopeMath.Satisfies(expanded, required))
        {
            return;
        }

        var method = call.Describe();
        var granted = token.Scopes.Order(StringComparer.Ordinal).ToList();
        Log.ScopeCheckFailed(_logger, method, string.Join(' ', required), token.Fingerprint, string.Join(' ', granted));
        throw new SentryScopeException(
            $"{method} needs one of [{string.Join(' ', required)}], but the token Keycard issued has [{string.Join(' ', granted)}] (which implies [{string.Join(' ', expanded.Order(StringComparer.Ordinal))}]). " +
            "No request was sent. Grant one of the required scopes to the Sentry resource in Keycard (and the Sentry application), or request it via SentryApi:Scopes.",
            null,
            required,
            granted,
            null,
            method);
    }

    /// <summary>
    /// The Refit method a request was made through, described (<c>Interface.Method</c>, else <c>VERB /path</c>) only
    /// when a log line or an exception needs it: a successful call never builds the string.
    /// </summary>
    private readonly struct CallSite
    {
        private readonly HttpRequestMessage _request;

        public CallSite(HttpRequestMessage request)
        {
            _request = request;
            request.Options.TryGetValue(InterfaceTypeOption, out var interfaceType);
            request.Options.TryGetValue(MethodNameOption, out var methodName);
            InterfaceType = interfaceType;
            MethodName = methodName;
        }

        public Type? InterfaceType { get; }

        public string? MethodName { get; }

        public string Describe() =>
            InterfaceType is not null && MethodName is not null
                ? InterfaceType.Name + "." + MethodName
                : _request.Method.Method + " " + _request.RequestUri?.AbsolutePath;
    }

    private static async Task<HttpRequestMessage> CloneAsync(HttpRequestMessage original, CancellationToken cancellationToken)
    {
        var clone = new HttpRequestMessage(original.Method, original.RequestUri)
        {
            Version = original.Version,
            VersionPolicy = original.VersionPolicy,
        };
        foreach (var header in original.Headers)
        {
            if (!string.Equals(header.Key, "Authorization", StringComparison.OrdinalIgnoreCase))
            {
                clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        foreach (var option in original.Options)
        {
            ((IDictionary<string, object?>)clone.Options)[option.Key] = option.Value;
        }

        if (original.Content is not null)
        {
            var bytes = await original.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            clone.Content = new ByteArrayContent(bytes);
            foreach (var header in original.Content.Headers)
            {
                clone.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return clone;
    }

    /// <summary>Reads Sentry's <c>detail</c>: a string, or <c>{"code": ..., "message": ...}</c>.</summary>
    internal static async Task<string?> ReadDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("detail", out var detail))
            {
                return null;
            }

            return detail.ValueKind switch
            {
                JsonValueKind.String => detail.GetString(),
                JsonValueKind.Object => FormatNested(detail),
                _ => detail.GetRawText(),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string FormatNested(JsonElement detail)
    {
        var code = detail.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var message = detail.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        return (code, message) switch
        {
            (null, null) => detail.GetRawText(),
            (null, _) => message!,
            (_, null) => code,
            _ => $"{code}: {message}",
        };
    }
}
