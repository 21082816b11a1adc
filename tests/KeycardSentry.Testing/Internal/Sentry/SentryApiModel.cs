using System.Collections.Concurrent;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace KeycardSentry.Testing.Internal.Sentry;

/// <summary>
/// The operations of an OpenAPI document and a scope catalog, read once (parse → model): routes, scopes, pagination
/// and response schemas. Loaded models are shared by every stand-in of the process that names the same unchanged files.
/// </summary>
internal sealed class SentryApiModel
{
    private static readonly ConcurrentDictionary<string, Lazy<SentryApiModel>> s_loaded = new(StringComparer.Ordinal);

    private SentryApiModel(IReadOnlyList<OperationModel> operations, ScopeCatalog catalog)
    {
        Operations = operations;
        Catalog = catalog;
        ById = operations.ToDictionary(o => o.Operation.OperationId, StringComparer.Ordinal);
        foreach (var operation in operations)
        {
            Routes.Add(operation);
        }
    }

    public IReadOnlyList<OperationModel> Operations { get; }

    public IReadOnlyDictionary<string, OperationModel> ById { get; }

    public RouteTable Routes { get; } = new();

    public ScopeCatalog Catalog { get; }

    public static SentryApiModel Load(string specPath, string catalogPath)
    {
        var spec = new FileInfo(specPath);
        var catalog = new FileInfo(catalogPath);
        if (!spec.Exists)
        {
            throw new FileNotFoundException($"The Sentry stand-in's OpenAPI document {spec.FullName} does not exist (LocalSentryApiOptions.SpecPath).", spec.FullName);
        }

        if (!catalog.Exists)
        {
            throw new FileNotFoundException($"The Sentry stand-in's scope catalog {catalog.FullName} does not exist (LocalSentryApiOptions.ScopeCatalogPath).", catalog.FullName);
        }

        var key = string.Join('|', spec.FullName, spec.Length, spec.LastWriteTimeUtc.Ticks, catalog.FullName, catalog.Length, catalog.LastWriteTimeUtc.Ticks);
        var lazy = s_loaded.GetOrAdd(key, _ => new Lazy<SentryApiModel>(() => Read(spec.FullName, catalog.FullName)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            s_loaded.TryRemove(key, out _); // a broken file is read again once it is fixed
            throw;
        }
    }

    private static SentryApiModel Read(string specPath, string catalogPath)
    {
        var result = OpenApiDocument.Parse(File.ReadAllText(specPath), OpenApiConstants.Json, new OpenApiReaderSettings());
        if (result.Document is not { } document || result.Diagnostic?.Errors is { Count: > 0 })
        {
            var errors = result.Diagnostic?.Errors.Take(5).Select(e => $"{e.Pointer}: {e.Message}") ?? [];
            throw new InvalidOperationException($"The OpenAPI document {specPath} does not load: {string.Join("; ", errors)}");
        }

        var schemas = new SchemaNode.Builder();
        var operations = new List<OperationModel>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, item) in document.Paths ?? [])
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                var verb = method.Method.ToUpperInvariant();
                var id = string.IsNullOrWhiteSpace(operation.OperationId) ? $"{verb} {path}" : operation.OperationId;
                if (!ids.TryAdd(id, $"{verb} {path}"))
                {
                    throw new InvalidOperationException($"The OpenAPI document {specPath} has the operationId '{id}' twice: {ids[id]} and {verb} {path}.");
                }

                var (status, schema) = SuccessResponse(operation);
                var response = schema is null ? null : schemas.Build(schema);
                var parameters = (operation.Parameters ?? []).Concat(item.Parameters ?? []);
                operations.Add(new OperationModel(
                    new SentryOperation(
                        id,
                        verb,
                        path,
                        operation.Tags?.FirstOrDefault()?.Name,
                        Scopes(operation.Security ?? document.Security),
                        parameters.Any(p => p.In == ParameterLocation.Query && p.Name == "cursor"),
                        response?.ArrayItems() is not null,
                        status,
                        response is not null),
                    response));
            }
        }

        return new SentryApiModel(operations, ScopeCatalog.Load(catalogPath));
    }

    /// <summary>
    /// The scopes of the bearer requirements. Requirements are alternatives, and Sentry's scope list within one is
    /// any-of, so the union is what admits a token; an alternative with no scopes (or none at all) admits any token.
    /// Other schemes (Sentry's <c>dsn</c>) are not served here. <c>"org: read"</c> (an old typo) reads as <c>org:read</c>.
    /// </summary>
    private static IReadOnlyList<string> Scopes(IList<OpenApiSecurityRequirement>? security)
    {
        var bearer = (security ?? []).SelectMany(r => r).Where(r => IsBearer(r.Key)).ToList();
        if (bearer.Count == 0 || bearer.Any(r => r.Value is not { Count: > 0 }))
        {
            return [];
        }

        return [.. bearer.SelectMany(r => r.Value).Select(s => string.Concat(s.Where(c => !char.IsWhiteSpace(c)))).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal)];
    }

    private static bool IsBearer(OpenApiSecuritySchemeReference scheme)
    {
        try
        {
            return scheme.Type is SecuritySchemeType.OAuth2 or SecuritySchemeType.OpenIdConnect
                || (scheme.Type == SecuritySchemeType.Http && string.Equals(scheme.Scheme, "bearer", StringComparison.OrdinalIgnoreCase));
        }
        catch (InvalidOperationException)
        {
            return string.Equals(scheme.Reference?.Id, "auth_token", StringComparison.Ordinal); // unresolved: trust Sentry's name
        }
    }

    /// <summary>The lowest 2xx with a JSON body, else the lowest 2xx (200 when the document lists none).</summary>
    private static (int Status, IOpenApiSchema? Schema) SuccessResponse(OpenApiOperation operation)
    {
        var successes = (operation.Responses ?? [])
            .Select(r => (Status: StatusOf(r.Key), Response: r.Value))
            .Where(r => r.Status is >= 200 and < 300)
            .OrderBy(r => r.Status)
            .ToList();
        foreach (var (status, response) in successes)
        {
            var json = (response.Content ?? new Dictionary<string, IOpenApiMediaType>())
                .Where(c => c.Key.Contains("json", StringComparison.OrdinalIgnoreCase))
                .Select(c => c.Value)
                .FirstOrDefault();
            if (json is not null && status != 204)
            {
                return (status, json.Schema ?? new OpenApiSchema());
            }
        }

        return (successes.Count > 0 ? successes[0].Status : 200, null);
    }

    private static int StatusOf(string key) =>
        key.Length == 3 && char.IsDigit(key[0]) && (key.EndsWith("XX", StringComparison.OrdinalIgnoreCase) || int.TryParse(key, out _))
            ? (key[0] - '0') * 100 + (int.TryParse(key[1..], out var rest) ? rest : 0)
            : -1;
}
