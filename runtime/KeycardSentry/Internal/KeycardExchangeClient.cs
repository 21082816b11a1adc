using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using KeycardSentry.Internal.ClientAuthentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal;

/// <summary>
/// RFC 8693 token exchange (and RFC 6749 §6 refresh) at the token endpoint found by discovery, authenticated by the
/// configured <see cref="IClientAuthentication"/>. Sends exactly the fields Keycard expects, reads at most
/// <see cref="TokenResponseParser.MaxBodyBytes"/> of the answer and lets <see cref="TokenResponseParser"/> judge it;
/// maps every failure to a <see cref="KeycardExchangeException"/> that says what to fix and never carries a token or a secret.
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
    private readonly IClientAuthentication _clientAuthentication;
    private readonly TokenResponseParser _parser;

    public KeycardExchangeClient(
        IHttpClientFactory httpClientFactory,
        KeycardMetadataProvider metadata,
        IOptions<KeycardOptions> options,
        TimeProvider timeProvider,
        KeycardMetrics metrics,
        IClientAuthentication clientAuthentication,
        TokenResponseParser parser,
        ILogger<KeycardExchangeClient> logger)
    {
        _httpClientFactory = httpClientFactory;
        _metadata = metadata;
        _options = options.Value;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _clientAuthentication = clientAuthentication;
        _parser = parser;
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
            Log.ExchangeSucceeded(_logger, grant, resource, response.Token.Fingerprint, response.Token.ExpiresAt, string.Join(' ', response.Token.SortedScopes));
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
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint);
        var fields = new List<KeyValuePair<string, string>>(form);
        _clientAuthentication.Apply(request, fields, tokenEndpoint);
        request.Content = new FormUrlEncodedContent(fields);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        HttpStatusCode status;
        byte[] body;
        bool tooLarge;
        try
        {
            var http = _httpClientFactory.CreateClient(HttpClientName);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            status = response.StatusCode;
            (body, tooLarge) = await BoundedContent.ReadAsync(response.Content, TokenResponseParser.MaxBodyBytes, linked.Token).ConfigureAwait(false);
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
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new KeycardExchangeException(
                $"Could not reach Keycard's token endpoint {tokenEndpoint}: {ex.Message} Check Keycard:ZoneUrl and the network path to the zone.",
                statusCode: (ex as HttpRequestException)?.StatusCode,
                error: "transport_error",
                isRetryable: true,
                innerException: ex);
        }

        return _parser.Parse(status, body, tooLarge, requestedScopes);
    }
}
