using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal;

/// <summary>
/// RFC 8693 token exchange (and RFC 6749 §6 refresh) at the token endpoint found by discovery, authenticated with
/// <c>client_secret_basic</c>. Sends exactly the fields Keycard expects; maps every failure to a
/// <see cref="KeycardExchangeException"/> that says what to fix and never carries a token or the secret.
/// </summary>
internal sealed class KeycardExchangeClient : IKeycardExchangeClient
{
    public const string HttpClientName = "KeycardSentry.Keycard";
    public const string TokenExchangeGrantType = "urn:ietf:params:oauth:grant-type:token-exchange";
    public const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly KeycardMetadataProvider _metadata;
    private readonly KeycardOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly KeycardMetrics _metrics;
    private readonly ILogger _logger;
    private readonly AuthenticationHeaderValue _clientAuthentication;

    public KeycardExchangeClient(
        IHttpClientFactory httpClientFactory,
        KeycardMetadataProvider metadata,
        IOptions<KeycardOptions> options,
        TimeProvider timeProvider,
        KeycardMetrics metrics,
        ILogger<KeycardExchangeClient> logger)
    {
        _httpClientFactory = httpClientFactory;
        _metadata = metadata;
        _options = options.Value;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _clientAuthentication = BasicAuthentication(_options.ClientId!, _options.ClientSecret!);
    }

    public Task<KeycardExchangeResponse> ExchangeAsync(KeycardTokenRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", TokenExchangeGrantType),
            new("subject_token", request.SubjectToken),
            new("subject_token_type", AccessTokenType),
            new("resource", request.Resource),
        };
        if (request.Scopes.Count > 0)
        {
            form.Add(new("scope", request.ScopeString));
        }

        return SendAsync("exchange", form, request.Resource, request.Scopes, cancellationToken);
    }

    public Task<KeycardExchangeResponse> RefreshAsync(string refreshToken, string resource, IReadOnlyList<string> scopes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(refreshToken);
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        scopes ??= [];
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "refresh_token"),
            new("refresh_token", refreshToken),
        };
        if (scopes.Count > 0)
        {
            form.Add(new("scope", string.Join(' ', scopes)));
        }

        return SendAsync("refresh", form, resource, scopes, cancellationToken);
    }

    /// <summary>RFC 6749 §2.3.1: the id and secret are form-url-encoded before they are joined and base64-encoded.</summary>
    internal static AuthenticationHeaderValue BasicAuthentication(string clientId, string clientSecret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(FormUrlEncode(clientId) + ":" + FormUrlEncode(clientSecret))));

    internal static string FormUrlEncode(string value) => Uri.EscapeDataString(value).Replace("%20", "+", StringComparison.Ordinal);

    private async Task<KeycardExchangeResponse> SendAsync(
        string grant,
        List<KeyValuePair<string, string>> form,
        string resource,
        IReadOnlyList<string> requestedScopes,
        CancellationToken cancellationToken)
    {
        using var activity = KeycardDiagnostics.ActivitySource.StartActivity("keycard." + grant, ActivityKind.Client);
        activity?.SetTag("keycard.resource", resource);
        var started = _timeProvider.GetTimestamp();
        try
        {
            var metadata = await _metadata.GetAsync(cancellationToken).ConfigureAwait(false);
            var response = await PostAsync(metadata.TokenEndpoint, form, requestedScopes, cancellationToken).ConfigureAwait(false);
            _metrics.Exchanged(grant, _timeProvider.GetElapsedTime(started));
            Log.ExchangeSucceeded(_logger, grant, resource, response.Token.Fingerprint, response.Token.ExpiresAt, string.Join(' ', response.Token.Scopes));
            activity?.SetTag("keycard.token.fingerprint", response.Token.Fingerprint);
            return response;
        }
        catch (KeycardExchangeException ex)
        {
            var error = ex.Error ?? "unknown";
            _metrics.ExchangeFailed(grant, error, _timeProvider.GetElapsedTime(started));
            Log.ExchangeFailed(_logger, grant, resource, error, (int?)ex.StatusCode, ex.IsRetryable);
            activity?.SetStatus(ActivityStatusCode.Error, error);
            throw;
        }
    }

    private async Task<KeycardExchangeResponse> PostAsync(
        Uri tokenEndpoint,
        List<KeyValuePair<string, string>> form,
        IReadOnlyList<string> requestedScopes,
        CancellationToken cancellationToken)
    {
        // The exchange time-out runs on the injected clock and is told apart from the caller's own cancellation.
        using var timeout = new CancellationTokenSource(_options.ExchangeTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = _clientAuthentication;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        HttpStatusCode status;
        string body;
        try
        {
            var http = _httpClientFactory.CreateClient(HttpClientName);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
        {
            throw new KeycardExchangeException(
                $"Keycard did not answer within {_options.ExchangeTimeout.TotalSeconds:0.###} s at {tokenEndpoint}. Retry later, or raise Keycard:ExchangeTimeout if the zone is slow from this host.",
                error: "timeout",
                isRetryable: true,
                innerException: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new KeycardExchangeException(
                $"Could not reach Keycard's token endpoint {tokenEndpoint}: {ex.Message} Check Keycard:ZoneUrl and the network path to the zone.",
                statusCode: ex.StatusCode,
                error: "transport_error",
                isRetryable: true,
                innerException: ex);
        }

        return ParseResponse(status, body, tokenEndpoint, requestedScopes);
    }

    private KeycardExchangeResponse ParseResponse(HttpStatusCode status, string body, Uri tokenEndpoint, IReadOnlyList<string> requestedScopes)
    {
        var code = (int)status;
        var retryable = code == 429 || code >= 500;
        JsonElement root = default;
        var isJsonObject = false;
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
            isJsonObject = root.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
        }

        var error = isJsonObject ? ReadString(root, "error") : null;
        if (code is < 200 or > 299)
        {
            if (error is null)
            {
                var kind = code == 429 ? "rate_limited" : code >= 500 ? "server_error" : "invalid_response";
                throw new KeycardExchangeException(
                    $"Keycard's token endpoint {tokenEndpoint} answered HTTP {code} without an OAuth error body{(retryable ? "; retry later" : "")}. " +
                    "If this persists, check Keycard:ZoneUrl and any proxy in between.",
                    statusCode: status,
                    error: kind,
                    isRetryable: retryable);
            }

            var description = ReadString(root, "error_description");
            var uri = ReadString(root, "error_uri");
            throw new KeycardExchangeException(
                DescribeOAuthError(error, description, code),
                statusCode: status,
                error: error,
                errorDescription: description,
                errorUri: uri,
                isRetryable: retryable);
        }

        if (!isJsonObject)
        {
            throw InvalidResponse(status, "a body that is not a JSON object");
        }

        if (error is not null)
        {
            throw new KeycardExchangeException(
                $"Keycard answered HTTP {code} with error '{error}' instead of a token; treated as an invalid response. {DescribeOAuthError(error, ReadString(root, "error_description"), code)}",
                statusCode: status,
                error: "invalid_response",
                errorDescription: ReadString(root, "error_description"),
                errorUri: ReadString(root, "error_uri"));
        }

        var accessToken = ReadString(root, "access_token");
        if (string.IsNullOrWhiteSpace(accessToken))
        {
            throw InvalidResponse(status, "no access_token");
        }

        var lifetime = _options.DefaultTokenLifetime;
        if (root.TryGetProperty("expires_in", out var expiresIn))
        {
            var seconds = expiresIn.ValueKind switch
            {
                JsonValueKind.Number when expiresIn.TryGetDouble(out var n) => n,
                JsonValueKind.String when double.TryParse(expiresIn.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) => s,
                JsonValueKind.Null => (double?)null,
                _ => throw InvalidResponse(status, "an expires_in that is not a number"),
            };
            if (seconds is { } value)
            {
                lifetime = value > 0 ? TimeSpan.FromSeconds(value) : TimeSpan.Zero;
            }
        }

        var scopeText = ReadString(root, "scope");
        IEnumerable<string> scopes = scopeText is null ? requestedScopes : scopeText.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var token = new KeycardToken(
            accessToken,
            ReadString(root, "token_type") ?? "Bearer",
            _timeProvider.GetUtcNow() + lifetime,
            scopes,
            ReadString(root, "issued_token_type"));
        return new KeycardExchangeResponse(token, ReadString(root, "refresh_token"));
    }

    private static KeycardExchangeException InvalidResponse(HttpStatusCode status, string what) =>
        new($"Keycard answered HTTP {(int)status} with {what}; that is not a token response (RFC 8693 §2.2.1). Check Keycard:ZoneUrl points at the zone itself, not a proxy or login page.",
            statusCode: status,
            error: "invalid_response");

    private static string? ReadString(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string DescribeOAuthError(string error, string? description, int status)
    {
        var hint = error switch
        {
            "invalid_client" => "Keycard did not accept the client credentials: check Keycard:ClientId and Keycard:ClientSecret (Keycard__ClientId / Keycard__ClientSecret) against the application in the Keycard console.",
            "invalid_request" => "Keycard rejected the request, usually the subject token: the user's Keycard access token is malformed, expired or not from this zone. Have the user sign in to Keycard again.",
            "invalid_grant" => "Keycard rejected the grant: the subject (or refresh) token is invalid, expired or revoked. Have the user sign in to Keycard again.",
            "unauthorized_client" => "This application is not allowed to use token exchange for that resource: enable it for the application in the Keycard console.",
            "unsupported_grant_type" => "The zone does not support this grant type: check that token exchange is enabled for the zone and that Keycard:ZoneUrl is a Keycard zone.",
            "invalid_scope" => "Keycard will not grant the requested scopes: request fewer (SentryApi:Scopes), or add them to the Sentry resource in the Keycard console.",
            "invalid_target" => "Keycard will not issue tokens for that resource: check the resource identifier (SentryApi:Resource, normally https://sentry.io/api/0) and that the resource is configured in the zone.",
            _ => "See the error description and Keycard's documentation.",
        };
        return $"Keycard refused the token exchange: {error} (HTTP {status}){(string.IsNullOrWhiteSpace(description) ? "" : ": " + description)}. {hint}";
    }
}
