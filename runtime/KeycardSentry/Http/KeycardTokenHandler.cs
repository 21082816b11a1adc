using System.ComponentModel;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Polly;

namespace KeycardSentry.Internal;

/// <summary>
/// Puts the current user's exchanged token on each request of one API's clients. The user is whoever
/// <see cref="ISubjectTokenAccessor"/> says for this call (by default <see cref="KeycardSubject.Use"/>); the handler
/// holds no per-user state, so one pooled instance serves every user. Before sending, it refuses a call whose required
/// scopes (from the API's <see cref="IApiScopeCatalog"/>; any one suffices after expanding the granted scopes) the
/// token lacks. A 401 invalidates the token and retries once with a fresh one; a second 401 throws and is remembered for
/// the subject token for <see cref="KeycardApiOptions.UnauthorizedCooldown"/>; a 403 throws. A 429 goes to the API's
/// <see cref="RateLimitRetry"/> pipeline, which sends again with the same token. Which exceptions, and how error bodies
/// read, is the API's <see cref="KeycardApiProfile"/>. It is the client's only handler: it also writes the
/// <see cref="HeaderFreeHttpClientLogger"/> lines of each send, so a call passes one async method of ours, not three
/// (a retry handler and IHttpClientFactory's logging handler each cost an async state machine per call; folding them
/// in took a typed call over loopback from 15.7 to 15.3 KB allocated, <c>profile typed</c>).
/// </summary>
internal sealed class KeycardTokenHandler : DelegatingHandler
{
    /// <summary>The request option Refit sets to the interface a call was made through.</summary>
    public const string RefitInterfaceTypeKey = "Refit.InterfaceType";

    /// <summary>The request option Refit sets to the interface method's name.</summary>
    public const string RefitMethodNameKey = "Refit.MethodName";

    /// <summary>The most of an error body read to find its detail.</summary>
    private const int MaxErrorBodyBytes = 16 * 1024;

    private static readonly HttpRequestOptionsKey<Type> InterfaceTypeOption = new(RefitInterfaceTypeKey);
    private static readonly HttpRequestOptionsKey<string> MethodNameOption = new(RefitMethodNameKey);

    private readonly IKeycardTokenProvider _tokens;
    private readonly ISubjectTokenAccessor _subject;
    private readonly IApiScopeCatalog _catalog;
    private readonly KeycardApiProfile _profile;
    private readonly UnauthorizedSubjects _unauthorized;
    private readonly string _resource;
    private readonly NormalizedScopes _scopes;
    private readonly ILogger _logger;
    private readonly HeaderFreeHttpClientLogger _httpLog;
    private readonly ResiliencePipeline<HttpResponseMessage>? _rateLimitRetry;

    public KeycardTokenHandler(
        IKeycardTokenProvider tokens,
        ISubjectTokenAccessor subject,
        IApiScopeCatalog catalog,
        KeycardApiProfile profile,
        KeycardApiOptions options,
        UnauthorizedSubjects unauthorized,
        ILogger logger,
        ResiliencePipeline<HttpResponseMessage>? rateLimitRetry = null,
        HeaderFreeHttpClientLogger? httpLog = null)
    {
        _tokens = tokens;
        _subject = subject;
        _catalog = catalog;
        _profile = profile;
        _unauthorized = unauthorized;
        _logger = logger;
        _rateLimitRetry = rateLimitRetry;
        _httpLog = httpLog ?? new HeaderFreeHttpClientLogger(logger);

        // Options are fixed once the host has started (and validated them): normalise once, not per call.
        _resource = options.EffectiveResource!;
        _scopes = NormalizedScopes.From(options.Scopes);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var subjectToken = _subject.GetSubjectToken();
        if (string.IsNullOrWhiteSpace(subjectToken))
        {
            // An accessor may say where it looks with [Description] (a compile-time constant, so never a token),
            // e.g. AddKeycardSubjectFromHttpContext's request rules.
            var where = _subject.GetType().GetCustomAttribute<DescriptionAttribute>()?.Description;
            throw KeycardRefitSettings.Mark(new InvalidOperationException(
                "No Keycard subject token for this call. " + (where is null ? "" : $"The registered ISubjectTokenAccessor found none: {where}. ") +
                "Wrap the call in 'using (KeycardSubject.Use(userKeycardAccessToken)) { ... }', " +
                "or register an ISubjectTokenAccessor that returns the current user's Keycard access token " +
                "(in ASP.NET Core: services.AddKeycardSubjectFromHttpContext(), with the request authenticated by a bearer token)."));
        }

        var call = new CallSite(request);
        if (_unauthorized.IsCoolingDown(subjectToken))
        {
            throw _profile.Unauthorized(Refusal(call, HttpStatusCode.Unauthorized, "remembered: answered 401 to a fresh token moments ago", null, []));
        }

        IReadOnlyList<string> required = [];
        var known = call.InterfaceType is not null && call.MethodName is not null && _catalog.TryGetRequiredScopes(call.InterfaceType, call.MethodName, out required);
        var tokenRequest = new KeycardTokenRequest(subjectToken, _resource, _scopes);
        var token = await _tokens.GetTokenAsync(tokenRequest, cancellationToken).ConfigureAwait(false);
        if (known)
        {
            EnsureScopes(token, required, call);
        }

        // Buffer the body so the request can be sent again after a 401.
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        // The first send inline (no second async method and task per call); the header comes off the request after it.
        HttpResponseMessage response;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        var started = _httpLog.Start(request);
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _httpLog.Failed(started, request, ex);
            throw;
        }
        finally
        {
            request.Headers.Authorization = null;
        }

        _httpLog.Stop(started, request, response);
        if (response.StatusCode == HttpStatusCode.TooManyRequests && _rateLimitRetry is not null)
        {
            response = await RetryRateLimitedAsync(request, token, response, cancellationToken).ConfigureAwait(false);
        }

        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            Log.RetryingAfterUnauthorized(_logger, token.Fingerprint, call.Describe());
            response.Dispose();
            await _tokens.InvalidateAsync(tokenRequest, token.Fingerprint, cancellationToken).ConfigureAwait(false);
            token = await _tokens.GetTokenAsync(tokenRequest, cancellationToken).ConfigureAwait(false);
            if (known)
            {
                EnsureScopes(token, required, call);
            }

            var retry = await CloneAsync(request, cancellationToken).ConfigureAwait(false);
            response = await SendWithTokenAsync(retry, token, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                var detail = await ReadDetailAsync(response, cancellationToken).ConfigureAwait(false);
                response.Dispose();
                _unauthorized.Remember(subjectToken);
                Log.ApiRefused(_logger, 401, call.Describe(), token.Fingerprint, detail);
                throw _profile.Unauthorized(Refusal(call, HttpStatusCode.Unauthorized, detail, token, required, known));
            }
        }

        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            var detail = await ReadDetailAsync(response, cancellationToken).ConfigureAwait(false);
            response.Dispose();
            Log.ApiRefused(_logger, 403, call.Describe(), token.Fingerprint, detail);
            throw _profile.ScopeRefused(Refusal(call, HttpStatusCode.Forbidden, detail, token, required, known));
        }

        return response;
    }

    /// <summary>A send after the first (the 401 retry), with its 429 retries.</summary>
    private async Task<HttpResponseMessage> SendWithTokenAsync(HttpRequestMessage request, KeycardToken token, CancellationToken cancellationToken)
    {
        var response = await SendOnceAsync(request, token, cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.TooManyRequests && _rateLimitRetry is not null
            ? await RetryRateLimitedAsync(request, token, response, cancellationToken).ConfigureAwait(false)
            : response;
    }

    /// <summary>
    /// Sends with the bearer token, then takes the header off the request: a response (and an exception built from it)
    /// must not carry the token. Each send is logged as IHttpClientFactory's innermost logger would (method, path, status).
    /// </summary>
    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, KeycardToken token, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        var started = _httpLog.Start(request);
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            _httpLog.Stop(started, request, response);
            return response;
        }
        catch (Exception ex)
        {
            _httpLog.Failed(started, request, ex);
            throw;
        }
        finally
        {
            request.Headers.Authorization = null;
        }
    }

    /// <summary>
    /// A 429 in hand: the API's <see cref="RateLimitRetry"/> pipeline, starting from that answer as its first outcome,
    /// sends again with the same token. Entered only for a 429, so a call that is not rate limited pays one status check.
    /// </summary>
    private ValueTask<HttpResponseMessage> RetryRateLimitedAsync(HttpRequestMessage request, KeycardToken token, HttpResponseMessage first, CancellationToken cancellationToken) =>
        _rateLimitRetry!.ExecuteAsync(static (attempts, ct) => attempts.NextAsync(ct), new RateLimitedAttempts(this, request, token, first), cancellationToken);

    private void EnsureScopes(KeycardToken token, IReadOnlyList<string> required, CallSite call)
    {
        // An empty scope set means Keycard did not say what it granted and none were requested: let the API decide.
        if (required.Count == 0 || token.SortedScopes.Length == 0)
        {
            return;
        }

        var expanded = ExpandedScopes.Of(token, _catalog.Implications);
        for (var i = 0; i < required.Count; i++)
        {
            // Indexed, not foreach: an enumerator of an IReadOnlyList is an allocation per call.
            if (expanded.Contains(required[i]))
            {
                return;
            }
        }

        var refusal = Refusal(call, null, null, token, required, known: true);
        Log.ScopeCheckFailed(_logger, refusal.Method, string.Join(' ', required), token.Fingerprint, string.Join(' ', token.SortedScopes));
        throw _profile.ScopeRefused(refusal);
    }

    private ApiRefusal Refusal(CallSite call, HttpStatusCode? status, string? detail, KeycardToken token, IReadOnlyList<string> required, bool known) =>
        new(call.Describe(), status, detail, required, token.SortedScopes, [.. ExpandedScopes.Of(token, _catalog.Implications).Order(StringComparer.Ordinal)], known);

    private static ApiRefusal Refusal(CallSite call, HttpStatusCode? status, string? detail, KeycardToken? token, IReadOnlyList<string> required) =>
        new(call.Describe(), status, detail, required, token?.SortedScopes ?? [], [], false);

    /// <summary>Reads the API's error detail from at most 16 KB of the body, through the profile; bounded and escaped.</summary>
    private async Task<string?> ReadDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxErrorBodyBytes];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            var detail = _profile.ReadErrorDetail(buffer.AsSpan(0, length));
            return detail is null ? null : MessageText.Sanitize(detail);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or InvalidOperationException)
        {
            return null;
        }
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

    /// <summary>The 429 pipeline's attempts: the first is the answer already in hand, the next ones send the request again.</summary>
    private sealed class RateLimitedAttempts(KeycardTokenHandler handler, HttpRequestMessage request, KeycardToken token, HttpResponseMessage first)
    {
        private HttpResponseMessage? _first = first;

        public ValueTask<HttpResponseMessage> NextAsync(CancellationToken cancellationToken) =>
            Interlocked.Exchange(ref _first, null) is { } answered
                ? new ValueTask<HttpResponseMessage>(answered)
                : new ValueTask<HttpResponseMessage>(handler.SendOnceAsync(request, token, cancellationToken));
    }

    /// <summary>
    /// The Refit method a request was made through, described (<c>Interface.Method</c>, else <c>VERB /path</c>) only when
    /// a log line or an exception needs it: a successful call never builds the string.
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
                : _request.Method.Method + " " + (MessageText.Sanitize(_request.RequestUri?.AbsolutePath, 128) ?? string.Empty);
    }
}
