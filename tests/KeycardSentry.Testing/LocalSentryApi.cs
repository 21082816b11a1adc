using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KeycardSentry.Testing.Internal;
using KeycardSentry.Testing.Internal.Sentry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace KeycardSentry.Testing;

/// <summary>
/// A Sentry API stand-in on 127.0.0.1 (real HTTP through Kestrel) that serves every operation of an OpenAPI document
/// (by default the repository's <c>specs/</c>; Sentry's published document works too), built from the document and
/// the scope catalog at start, not from hand-written routes.
/// </summary>
/// <remarks>
/// <para>Per request, in Sentry's order: a path no operation matches gets 404; a token that is missing, unknown,
/// revoked, not issued by the <see cref="LocalKeycardZone"/> for the Sentry resource, or rejected with
/// <see cref="RejectToken"/> gets 401 <c>{"detail":"Invalid token"}</c> (expired: <c>"Token expired"</c>) with
/// <c>WWW-Authenticate: xBasic realm="api"</c>; a method the path does not serve gets 405; a queued or hooked
/// <see cref="SentryFault"/> is answered; a token none of whose scopes, expanded through the catalog, is one of the
/// operation's gets 403 <c>{"detail":"You do not have permission to perform this action."}</c>; then the success answer.</para>
/// <para>Success bodies are generated from the operation's response schema, seeded (<see cref="LocalSentryApiOptions.Seed"/>),
/// so runs repeat; <see cref="Respond"/> replaces them per operation. Operations with a <c>cursor</c> parameter page
/// their lists with Sentry's cursors and <c>Link</c> header. Every answer carries <c>X-Sentry-Rate-Limit-*</c>.</para>
/// </remarks>
public sealed class LocalSentryApi : IAsyncDisposable
{
    /// <summary>Sentry's 403 detail.</summary>
    public const string ForbiddenDetail = "You do not have permission to perform this action.";

    /// <summary>Sentry's 401 detail for an unknown or revoked token.</summary>
    public const string InvalidTokenDetail = "Invalid token";

    /// <summary>Sentry's 401 detail for an expired token.</summary>
    public const string ExpiredTokenDetail = "Token expired";

    /// <summary>Sentry's 401 detail when no bearer token was sent.</summary>
    public const string NotAuthenticatedDetail = "Authentication credentials were not provided.";

    /// <summary>Sentry's 404 detail.</summary>
    public const string NotFoundDetail = "The requested resource does not exist";

    /// <summary>The <c>WWW-Authenticate</c> value of Sentry's 401.</summary>
    public const string WwwAuthenticate = "xBasic realm=\"api\"";

    private readonly LocalKeycardZone _zone;
    private readonly SentryApiModel _model;
    private readonly string _resource;
    private readonly bool _enforceRateLimit;
    private readonly ResponseBodies _bodies;
    private readonly RateLimitCounter _rateLimits;
    private readonly string? _projectsOperationId;
    private readonly ConcurrentQueue<SentryRequestRecord> _requests = new();
    private readonly ConcurrentQueue<SentryFault> _faults = new();
    private readonly ConcurrentDictionary<string, byte> _rejectedTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<SentryCall, JsonNode?>> _responders = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private RequestGate? _gate;
    private int _pageSize;

    private LocalSentryApi(LocalKeycardZone zone, LocalSentryApiOptions options, SentryApiModel model)
    {
        _zone = zone;
        _model = model;
        _resource = options.Resource ?? model.Catalog.Resource;
        _enforceRateLimit = options.EnforceRateLimit;
        _pageSize = options.PageSize;
        _bodies = new ResponseBodies(options.Seed, options.ListLength);
        _rateLimits = new RateLimitCounter(options.RateLimit, options.RateLimitWindow, options.ConcurrentRateLimit, zone.Options.TimeProvider);
        _projectsOperationId = model.Operations.FirstOrDefault(IsOrganizationProjectsList)?.Operation.OperationId;
        Operations = [.. model.Operations.Select(o => o.Operation)];
    }

    /// <summary>The base URL (no trailing slash in <see cref="Uri.OriginalString"/>), e.g. <c>http://127.0.0.1:54322</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every operation served, in document order.</summary>
    public IReadOnlyList<SentryOperation> Operations { get; }

    /// <summary>Every request received, in arrival order (including rejected ones).</summary>
    public IReadOnlyList<SentryRequestRecord> Requests => [.. _requests];

    /// <summary>How many requests were received.</summary>
    public int RequestCount => _requests.Count;

    /// <summary>A hook asked for every request with a valid token to a served operation: return a fault to answer with it, or null.</summary>
    public Func<SentryRequestRecord, SentryFault?>? FaultHook { get; set; }

    /// <summary>
    /// The project slugs the organization's project list (<c>GET /api/0/organizations/{organization_id_or_slug}/projects/</c>)
    /// returns, in order: its items are generated projects with these slugs and names. Default backend, frontend, mobile.
    /// </summary>
    public IList<string> Projects { get; } = ["backend", "frontend", "mobile"];

    /// <summary>The page size of every list when the request has no <c>per_page</c> (1 to 100). Starts at <see cref="LocalSentryApiOptions.PageSize"/>.</summary>
    public int PageSize
    {
        get => Volatile.Read(ref _pageSize);
        set => Volatile.Write(ref _pageSize, value is >= 1 and <= SentryPaging.MaxPerPage ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The page size must be 1 to 100."));
    }

    /// <summary>The same as <see cref="PageSize"/> (the name older tests use).</summary>
    public int ProjectsPageSize
    {
        get => PageSize;
        set => PageSize = value;
    }

    /// <summary>
    /// A delay added before every answer, to model Sentry's response time in load harnesses. It runs on the real
    /// clock, so keep it zero in tests. Default zero.
    /// </summary>
    public TimeSpan ResponseLatency { get; set; }

    /// <summary>Starts the stand-in on <c>http://127.0.0.1:{ephemeral port}</c>, trusting tokens of <paramref name="zone"/>.</summary>
    /// <exception cref="FileNotFoundException">The spec or catalog file does not exist.</exception>
    /// <exception cref="InvalidOperationException">The spec or catalog cannot be read (the message names the file and the problem).</exception>
    public static async Task<LocalSentryApi> StartAsync(LocalKeycardZone zone, LocalSentryApiOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(zone);
        options ??= new LocalSentryApiOptions();
        options.Validate();
        var model = SentryApiModel.Load(
            options.SpecPath ?? RepositoryFile(LocalSentryApiOptions.DefaultSpecFile, nameof(options.SpecPath)),
            options.ScopeCatalogPath ?? RepositoryFile(LocalSentryApiOptions.DefaultScopeCatalogFile, nameof(options.ScopeCatalogPath)));
        var api = new LocalSentryApi(zone, options, model);
        var (app, baseUrl) = await LoopbackHost.StartAsync(a => a.Run(api.HandleAsync)).ConfigureAwait(false);
        api._app = app;
        api.BaseUrl = new Uri(LoopbackHost.NoSlash(baseUrl), UriKind.Absolute);
        return api;
    }

    /// <summary>The operation with this operationId.</summary>
    /// <exception cref="KeyNotFoundException">The document has no such operation.</exception>
    public SentryOperation Operation(string operationId) => Find(operationId).Operation;

    /// <summary>The operation serving <paramref name="method"/> on <paramref name="pathTemplate"/> (as the spec writes it, e.g. <c>/api/0/organizations/{organization_id_or_slug}/</c>).</summary>
    /// <exception cref="KeyNotFoundException">The document has no such operation.</exception>
    public SentryOperation Operation(string method, string pathTemplate) =>
        Operations.FirstOrDefault(o => string.Equals(o.Method, method, StringComparison.OrdinalIgnoreCase) && o.PathTemplate == pathTemplate)
        ?? throw new KeyNotFoundException($"The Sentry stand-in's spec has no operation {method} {pathTemplate}.");

    /// <summary>
    /// Answers <paramref name="operationId"/>'s successful calls with what <paramref name="responder"/> returns
    /// instead of the generated body (null: no body). Auth, scopes, faults and rate limits still apply; a list
    /// operation pages the array it returns.
    /// </summary>
    public void Respond(string operationId, Func<SentryCall, JsonNode?> responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        _responders[Find(operationId).Operation.OperationId] = responder;
    }

    /// <summary>Queues a fault: the next request with a valid token to a served operation gets it (one request per fault).</summary>
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
        var body = await SentryAnswers.ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return; // too large: answered
        }

        var route = _model.Routes.Match(request.Path.Value ?? string.Empty, request.Method);
        var caller = Authenticate(request.Headers.Authorization.ToString());
        var record = new SentryRequestRecord(
            request.Method,
            request.Path.Value ?? string.Empty,
            request.QueryString.Value ?? string.Empty,
            caller.Owner?.User,
            caller.Owner?.Scopes,
            caller.Token is null ? null : KeycardFingerprint(caller.Token),
            body)
        {
            OperationId = route.Operation?.Operation.OperationId,
        };
        _requests.Enqueue(record);

        if (!await WaitAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var operation = route.Operation;
        using var usage = _rateLimits.Count(caller.Owner?.User ?? "\0anonymous", operation?.Operation.OperationId ?? "\0none");
        var answer = new SentryAnswers(context, usage);
        if (operation is null && route.AllowedMethods.Count == 0)
        {
            await answer.DetailAsync(404, NotFoundDetail).ConfigureAwait(false);
        }
        else if (caller.Rejection is { } rejection)
        {
            context.Response.Headers.WWWAuthenticate = WwwAuthenticate;
            await answer.DetailAsync(401, rejection).ConfigureAwait(false);
        }
        else if (operation is null)
        {
            context.Response.Headers.Allow = string.Join(", ", route.AllowedMethods);
            await answer.DetailAsync(405, $"Method \"{request.Method}\" not allowed.").ConfigureAwait(false);
        }
        else if ((_faults.TryDequeue(out var queued) ? queued : FaultHook?.Invoke(record)) is { } fault)
        {
            await answer.FaultAsync(fault).ConfigureAwait(false);
        }
        else if (!_model.Catalog.Allows(operation.Operation.Scopes, caller.Owner!.Scopes))
        {
            await answer.DetailAsync(403, ForbiddenDetail).ConfigureAwait(false);
        }
        else if (_enforceRateLimit && usage.IsOverLimit)
        {
            await answer.DetailAsync(429, SentryFault.RateLimitedDetail, refused: true).ConfigureAwait(false);
        }
        else
        {
            await SucceedAsync(answer, operation, route.PathParameters, record).ConfigureAwait(false);
        }
    }

    private async Task SucceedAsync(SentryAnswers answer, OperationModel operation, IReadOnlyDictionary<string, string> pathParameters, SentryRequestRecord record)
    {
        var query = answer.Context.Request.Query;
        long offset = 0;
        var size = PageSize;
        if (operation.Operation.IsPaginated
            && (!SentryPaging.TryParseCursor(query["cursor"].ToString(), out offset) || !SentryPaging.TryParsePerPage(query["per_page"].ToString(), size, out size)))
        {
            var detail = SentryPaging.TryParseCursor(query["cursor"].ToString(), out _) ? SentryPaging.InvalidPerPageDetail : SentryPaging.InvalidCursorDetail;
            await answer.DetailAsync(400, detail).ConfigureAwait(false);
            return;
        }

        var slugs = operation.Operation.OperationId == _projectsOperationId ? Projects.ToList() : null;
        _responders.TryGetValue(operation.Operation.OperationId, out var responder);
        if (responder is null && !operation.Operation.IsPaginated && slugs is null && operation.Operation.HasResponseBody)
        {
            await answer.BytesAsync(operation.Operation.SuccessStatusCode, _bodies.Serialized(operation, pathParameters)).ConfigureAwait(false);
            return;
        }

        JsonNode? body;
        var hasBody = operation.Operation.HasResponseBody;
        if (responder is not null)
        {
            body = responder(new SentryCall(operation.Operation, record, pathParameters, () => _bodies.For(operation, pathParameters, slugs)));
            hasBody = body is not null;
        }
        else
        {
            body = _bodies.For(operation, pathParameters, slugs);
        }

        if (operation.Operation.IsPaginated)
        {
            var total = body is JsonArray all ? all.Count : offset;
            if (body is JsonArray list)
            {
                body = new JsonArray([.. list.Skip((int)Math.Min(offset, int.MaxValue)).Take(size).Select(item => item?.DeepClone())]);
            }

            answer.Context.Response.Headers["Link"] = SentryPaging.LinkHeader(BaseUrl.GetLeftPart(UriPartial.Authority), answer.Context.Request.PathBase + answer.Context.Request.Path, query, offset, size, total);
        }

        await answer.JsonAsync(operation.Operation.SuccessStatusCode, body, hasBody).ConfigureAwait(false);
    }

    private async Task<bool> WaitAsync(HttpContext context)
    {
        try
        {
            if (Volatile.Read(ref _gate) is { } gate)
            {
                await gate.PassAsync(context.RequestAborted).ConfigureAwait(false);
            }

            if (ResponseLatency > TimeSpan.Zero)
            {
                await Task.Delay(ResponseLatency, context.RequestAborted).ConfigureAwait(false);
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false; // the client gave up
        }
    }

    /// <summary>Reads the bearer token the way Sentry's token authentication does, and checks it at the zone.</summary>
    private Caller Authenticate(string authorization)
    {
        var parts = authorization.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !string.Equals(parts[0], "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return new Caller(null, null, NotAuthenticatedDetail);
        }

        if (parts.Length != 2)
        {
            return new Caller(null, null, parts.Length == 1
                ? "Invalid token header. No credentials provided."
                : "Invalid token header. Token string should not contain spaces.");
        }

        var token = parts[1];
        if (_rejectedTokens.ContainsKey(token) || !_zone.TryResolveAccessToken(token, out var owner) || !string.Equals(owner.Resource, _resource, StringComparison.Ordinal))
        {
            return new Caller(token, null, InvalidTokenDetail);
        }

        return new Caller(token, owner, owner.ExpiresAt <= _zone.Now ? ExpiredTokenDetail : null);
    }

    private OperationModel Find(string operationId) =>
        _model.ById.TryGetValue(operationId ?? throw new ArgumentNullException(nameof(operationId)), out var found)
            ? found
            : throw new KeyNotFoundException($"The Sentry stand-in's spec has no operation '{operationId}'. Its operations: {string.Join(", ", _model.ById.Keys.Take(20))}{(_model.ById.Count > 20 ? ", ..." : string.Empty)}.");

    private static bool IsOrganizationProjectsList(OperationModel operation) =>
        operation.Operation is { Method: "GET", ReturnsList: true }
        && operation.Segments is [{ Prefix: "api" }, { Prefix: "0" }, { Prefix: "organizations" }, { IsParameter: true }, { IsParameter: false, Prefix: "projects" }, { IsParameter: false, Prefix: "" }];

    private static string RepositoryFile(string relative, string option)
    {
        string root;
        try
        {
            root = RepositoryFiles.Root;
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException($"The Sentry stand-in looks for {relative} in the repository, but {ex.Message} Set LocalSentryApiOptions.{option}.", ex);
        }

        return Path.Combine(root, relative);
    }

    // Same as KeycardToken.ComputeFingerprint (first 16 hex digits of SHA-256), so tests can match records to tokens.
    private static string KeycardFingerprint(string token) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token)), 0, 8);

    private sealed record Caller(string? Token, IssuedToken? Owner, string? Rejection);
}
