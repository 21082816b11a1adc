using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using KeycardSentry.Testing.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace KeycardSentry.Testing;

/// <summary>
/// A Sentry API stand-in on 127.0.0.1 (real HTTP through Kestrel) that accepts only access tokens issued by a
/// <see cref="LocalKeycardZone"/>, checked server-side with <see cref="LocalKeycardZone.TryResolveAccessToken"/>.
/// It records, for every request, the path and the user the bearer token belongs to, so a test can prove that each
/// call carried its own user's token. Faults (401, 403, 429) can be injected.
/// </summary>
/// <remarks>
/// Endpoints (every one answers JSON and echoes <c>user</c>, the token's owner):
/// <c>GET /api/0/organizations/</c> (a list with one organization),
/// <c>GET /api/0/organizations/{org}/</c> (that organization),
/// <c>POST /api/0/organizations/{org}/releases/</c> (echoes the JSON body it received under <c>received</c>),
/// <c>GET /api/0/organizations/{org}/projects/</c> (<see cref="Projects"/>, paginated like Sentry: <c>cursor</c> and
/// <c>per_page</c> query parameters, a <c>Link</c> header with <c>rel="previous"</c> and <c>rel="next"</c> entries whose
/// <c>results</c> says whether a page is behind them), and any other <c>/api/0/...</c> path (echoes the path).
/// Unknown or revoked tokens get 401 <c>{"detail":"Invalid token"}</c>, expired ones 401 <c>{"detail":"Token expired"}</c>,
/// both with <c>WWW-Authenticate: xBasic realm="api"</c>, as Sentry answers.
/// </remarks>
public sealed class LocalSentryApi : IAsyncDisposable
{
    /// <summary>Sentry's 403 detail.</summary>
    public const string ForbiddenDetail = "You do not have permission to perform this action.";

    private readonly LocalKeycardZone _zone;
    private readonly ConcurrentQueue<SentryRequestRecord> _requests = new();
    private readonly ConcurrentQueue<SentryFault> _faults = new();
    private readonly ConcurrentDictionary<string, byte> _rejectedTokens = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private RequestGate? _gate;

    private LocalSentryApi(LocalKeycardZone zone) => _zone = zone;

    /// <summary>The base URL (no trailing slash in <see cref="Uri.OriginalString"/>), e.g. <c>http://127.0.0.1:54322</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request received, in arrival order (including rejected ones).</summary>
    public IReadOnlyList<SentryRequestRecord> Requests => [.. _requests];

    /// <summary>How many requests were received.</summary>
    public int RequestCount => _requests.Count;

    /// <summary>A hook asked for every request after the token check: return a fault to answer with it, or null.</summary>
    public Func<SentryRequestRecord, SentryFault?>? FaultHook { get; set; }

    /// <summary>The project slugs <c>GET /api/0/organizations/{org}/projects/</c> lists, in order. Default backend, frontend, mobile.</summary>
    public IList<string> Projects { get; } = ["backend", "frontend", "mobile"];

    /// <summary>The page size of the projects list when the request has no <c>per_page</c>. Default 2 (so the default list has two pages).</summary>
    public int ProjectsPageSize { get; set; } = 2;

    /// <summary>
    /// A delay added before every answer, to model Sentry's response time in load harnesses. It runs on the real
    /// clock, so keep it zero in tests. Default zero.
    /// </summary>
    public TimeSpan ResponseLatency { get; set; }

    /// <summary>Starts the stand-in on <c>http://127.0.0.1:{ephemeral port}</c>, trusting tokens of <paramref name="zone"/>.</summary>
    public static async Task<LocalSentryApi> StartAsync(LocalKeycardZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var api = new LocalSentryApi(zone);
        var (app, baseUrl) = await LoopbackHost.StartAsync(a => a.Map("/{**path}", api.HandleAsync)).ConfigureAwait(false);
        api._app = app;
        api.BaseUrl = new Uri(LoopbackHost.NoSlash(baseUrl), UriKind.Absolute);
        return api;
    }

    /// <summary>Queues a fault: the next request that carries a valid token gets it (one request per fault).</summary>
    public void EnqueueFault(SentryFault fault) => _faults.Enqueue(fault ?? throw new ArgumentNullException(nameof(fault)));

    /// <summary>Answers 401 <c>Invalid token</c> to every request carrying <paramref name="accessToken"/> from now on.</summary>
    public void RejectToken(string accessToken) => _rejectedTokens[accessToken] = 0;

    /// <summary>From now on every request waits at the returned gate (after it is recorded) until the test releases it.</summary>
    public RequestGate HoldRequests()
    {
        var gate = new RequestGate();
        Interlocked.Exchange(ref _gate, gate)?.Release();
        return gate;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _gate, null)?.Release();
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }

        var authorization = request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;
        IssuedToken? owner = null;
        string? rejection = null;
        if (token is null)
        {
            rejection = "Authentication credentials were not provided.";
        }
        else if (_rejectedTokens.ContainsKey(token) || !_zone.TryResolveAccessToken(token, out owner))
        {
            rejection = "Invalid token";
            owner = null;
        }
        else if (owner.ExpiresAt <= _zone.Now)
        {
            rejection = "Token expired";
        }

        var record = new SentryRequestRecord(
            request.Method,
            request.Path.Value ?? string.Empty,
            request.QueryString.Value ?? string.Empty,
            owner?.User,
            owner?.Scopes,
            token is null ? null : KeycardFingerprint(token),
            body);
        _requests.Enqueue(record);

        var gate = Volatile.Read(ref _gate);
        if (gate is not null)
        {
            try
            {
                await gate.PassAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (ResponseLatency > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(ResponseLatency, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (rejection is not null)
        {
            context.Response.Headers.WWWAuthenticate = "xBasic realm=\"api\"";
            await WriteJsonAsync(context, 401, new { detail = rejection }).ConfigureAwait(false);
            return;
        }

        var fault = _faults.TryDequeue(out var queued) ? queued : FaultHook?.Invoke(record);
        if (fault is not null)
        {
            foreach (var (name, value) in fault.Headers)
            {
                context.Response.Headers[name] = value;
            }

            context.Response.StatusCode = fault.StatusCode;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(fault.Body, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var user = owner!.User;
        var segments = record.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        object response = segments switch
        {
            ["api", "0", "organizations"] => new[] { new { slug = "acme", name = "Acme", user } },
            ["api", "0", "organizations", var org] when request.Method == "GET" => new { slug = org, name = org, user, query = record.Query },
            ["api", "0", "organizations", var org, "releases"] when request.Method == "POST" =>
                new { organization = org, user, received = string.IsNullOrEmpty(body) ? (JsonElement?)null : JsonDocument.Parse(body).RootElement.Clone() },
            ["api", "0", "organizations", var org, "projects"] when request.Method == "GET" => ProjectsPage(context, org, user),
            _ => new { path = record.Path, user, method = request.Method },
        };

        context.Response.Headers["X-Sentry-Rate-Limit-Limit"] = "40";
        context.Response.Headers["X-Sentry-Rate-Limit-Remaining"] = "39";
        await WriteJsonAsync(context, 200, response).ConfigureAwait(false);
    }

    private object ProjectsPage(HttpContext context, string org, string user)
    {
        // Sentry's cursor is "{value}:{offset}:{is_prev}"; only the offset matters here.
        var query = context.Request.Query;
        var offset = 0;
        if (query["cursor"].ToString() is { Length: > 0 } cursor)
        {
            var parts = cursor.Split(':');
            offset = parts.Length == 3 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed >= 0 ? parsed : 0;
        }

        var size = int.TryParse(query["per_page"], System.Globalization.CultureInfo.InvariantCulture, out var perPage) && perPage > 0 ? perPage : Math.Max(1, ProjectsPageSize);
        var all = Projects.ToList();
        var page = all.Skip(offset).Take(size).Select((slug, i) => new
        {
            id = (offset + i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            slug,
            name = slug,
            platform = "csharp",
            dateCreated = "2024-01-01T00:00:00Z",
            organization = org,
            user,
        }).ToList();

        var self = $"{LoopbackHostBase()}/api/0/organizations/{org}/projects/";
        var previous = Math.Max(0, offset - size);
        var next = offset + size;
        context.Response.Headers["Link"] =
            $"<{self}?&cursor=0:{previous}:1>; rel=\"previous\"; results=\"{(offset > 0 ? "true" : "false")}\"; cursor=\"0:{previous}:1\", " +
            $"<{self}?&cursor=0:{next}:0>; rel=\"next\"; results=\"{(next < all.Count ? "true" : "false")}\"; cursor=\"0:{next}:0\"";
        return page;
    }

    private string LoopbackHostBase() => BaseUrl.GetLeftPart(UriPartial.Authority);

    private static Task WriteJsonAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }

    // Same as KeycardToken.ComputeFingerprint (first 16 hex digits of SHA-256), so tests can match records to tokens.
    private static string KeycardFingerprint(string token) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token)), 0, 8);
}

/// <summary>One request the Sentry stand-in received.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path, e.g. <c>/api/0/organizations/acme/</c>.</param>
/// <param name="Query">The query string including <c>?</c>, or empty.</param>
/// <param name="User">The user the bearer token belongs to (server-side lookup at the zone); null for missing, unknown or revoked tokens.</param>
/// <param name="Scopes">The token's scopes, when known.</param>
/// <param name="TokenFingerprint">The bearer token's fingerprint (first 16 hex digits of its SHA-256), when one was sent.</param>
/// <param name="Body">The request body.</param>
public sealed record SentryRequestRecord(
    string Method,
    string Path,
    string Query,
    string? User,
    IReadOnlySet<string>? Scopes,
    string? TokenFingerprint,
    string Body);

/// <summary>A canned answer from the Sentry stand-in.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The JSON body.</param>
/// <param name="Headers">Response headers.</param>
public sealed record SentryFault(int StatusCode, string Body, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>403 with Sentry's plain detail (or <paramref name="detail"/>).</summary>
    public static SentryFault Forbidden(string detail = LocalSentryApi.ForbiddenDetail) =>
        new(403, JsonSerializer.Serialize(new { detail }), new Dictionary<string, string>());

    /// <summary>403 with a nested detail <c>{"detail":{"code":..,"message":..,"extra":null}}</c>.</summary>
    public static SentryFault ForbiddenNested(string code, string message) =>
        new(403, JsonSerializer.Serialize(new { detail = new { code, message, extra = (object?)null } }), new Dictionary<string, string>());

    /// <summary>401 with <c>{"detail": detail}</c> and <c>WWW-Authenticate: xBasic realm="api"</c>.</summary>
    public static SentryFault Unauthorized(string detail = "Invalid token") =>
        new(401, JsonSerializer.Serialize(new { detail }), new Dictionary<string, string> { ["WWW-Authenticate"] = "xBasic realm=\"api\"" });

    /// <summary>429 with <c>Retry-After: seconds</c>.</summary>
    public static SentryFault RateLimitedRetryAfter(TimeSpan retryAfter) =>
        new(429, "{\"detail\":\"You are attempting to use this endpoint too frequently.\"}", new Dictionary<string, string> { ["Retry-After"] = ((long)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) });

    /// <summary>429 with <c>Retry-After</c> as an HTTP date.</summary>
    public static SentryFault RateLimitedRetryAt(DateTimeOffset at) =>
        new(429, "{\"detail\":\"You are attempting to use this endpoint too frequently.\"}", new Dictionary<string, string> { ["Retry-After"] = at.ToString("r", System.Globalization.CultureInfo.InvariantCulture) });

    /// <summary>429 with only Sentry's <c>X-Sentry-Rate-Limit-Reset</c> (UTC epoch seconds) and <c>-Remaining: 0</c>.</summary>
    public static SentryFault RateLimitedUntil(DateTimeOffset reset) =>
        new(429, "{\"detail\":\"You are attempting to use this endpoint too frequently.\"}", new Dictionary<string, string>
        {
            ["X-Sentry-Rate-Limit-Reset"] = reset.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["X-Sentry-Rate-Limit-Remaining"] = "0",
            ["X-Sentry-Rate-Limit-Limit"] = "40",
        });
}
