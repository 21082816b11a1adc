using System.Text.Json.Nodes;

namespace KeycardSentry.SpecImport;

/// <summary>What an import wrote, and what it found.</summary>
/// <param name="Spec">The text of our spec (<c>specs/sentry.openapi.json</c>).</param>
/// <param name="Catalog">The text of the scope catalog (<c>specs/sentry.scopes.json</c>).</param>
/// <param name="Operations">How many operations.</param>
/// <param name="Tags">How many tags.</param>
/// <param name="Types">How many named schemas (each one generated type).</param>
/// <param name="Remembered">How many of them kept the name the previous spec gave them.</param>
/// <param name="Notes">Things a maintainer should know (scopes normalised, operations renamed, ...).</param>
public sealed record ImportResult(string Spec, string Catalog, int Operations, int Tags, int Types, int Remembered, IReadOnlyList<string> Notes);

/// <summary>
/// Turns Sentry's published OpenAPI document (and its scope hierarchy) into our spec and scope catalog. The output
/// depends only on the facts of the input and on the previous spec's names: the same input gives the same bytes.
/// </summary>
public static class SentrySpecImporter
{
    /// <param name="publishedOpenApi">Sentry's published document (e.g. <c>../shared/sentry/openapi.json</c>).</param>
    /// <param name="scopeHierarchy">Each scope and what it implies (<c>../shared/sentry/scope-hierarchy.json</c>).</param>
    /// <param name="previousSpec">Our current spec, whose names stay put; null names everything afresh.</param>
    public static ImportResult Import(string publishedOpenApi, string scopeHierarchy, string? previousSpec)
    {
        var document = PublishedDocument.Parse(publishedOpenApi);
        var notes = new List<string>();
        var extractor = new ShapeExtractor();
        var operations = document.Operations.Select(o => ImportOperation(document, o, extractor, notes)).ToList();

        var memory = previousSpec is null ? null : NameMemory.Read(previousSpec);
        new TypeNamer(extractor.Shapes, PublishedNames(document)).NameAll(memory);
        var remembered = memory is null ? 0 : extractor.Shapes.Count(s => memory.Remembers(s));

        var spec = SpecBuilder.Build(document, operations, extractor.Shapes);
        var usedScopes = operations.SelectMany(o => o.Security).SelectMany(s => s.Scopes);
        var catalog = CatalogBuilder.Build(scopeHierarchy, document.Regions(), usedScopes, notes);
        return new ImportResult(
            JsonText.Write(spec),
            JsonText.Write(catalog),
            operations.Count,
            operations.SelectMany(o => o.Published.Tags).Distinct(StringComparer.Ordinal).Count(),
            extractor.Shapes.Count,
            remembered,
            notes);
    }

    private static ImportedOperation ImportOperation(PublishedDocument document, PublishedOperation operation, ShapeExtractor extractor, List<string> notes)
    {
        var node = operation.Node;
        if (operation.OperationId != operation.PublishedId)
        {
            notes.Add($"{operation.Key}: operationId '{operation.PublishedId}' is not an identifier; ours is '{operation.OperationId}'.");
        }

        var security = new List<ImportedRequirement>();
        foreach (var requirement in node["security"] as JsonArray ?? [])
        {
            foreach (var (scheme, scopes) in requirement as JsonObject ?? [])
            {
                var list = new List<string>();
                foreach (var raw in (scopes as JsonArray ?? []).Select(s => s?.GetValue<string>() ?? string.Empty))
                {
                    var scope = new string(raw.Where(c => !char.IsWhiteSpace(c)).ToArray()).ToLowerInvariant();
                    if (scope != raw)
                    {
                        notes.Add($"{operation.Key}: scope '{raw}' read as '{scope}'.");
                    }

                    if (scope.Length > 0 && !list.Contains(scope))
                    {
                        list.Add(scope);
                    }
                }

                security.Add(new ImportedRequirement(scheme, list));
            }
        }

        var parameters = (node["parameters"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(p => new ImportedParameter(
                p["name"]?.GetValue<string>() ?? string.Empty,
                p["in"]?.GetValue<string>() ?? "query",
                p["required"]?.GetValue<bool>() == true || p["in"]?.GetValue<string>() == "path",
                p["deprecated"]?.GetValue<bool>() == true,
                ShapeExtractor.FactsOf(p["schema"])))
            .ToList();

        ImportedBody? body = null;
        if (node["requestBody"] is JsonObject requestBody)
        {
            var content = (requestBody["content"] as JsonObject ?? [])
                .Select(c => (c.Key, IsJson(c.Key) ? extractor.Extract(c.Value?["schema"], operation, "body") : ShapeExtractor.FactsOf(c.Value?["schema"])))
                .ToList();
            body = new ImportedBody(requestBody["required"]?.GetValue<bool>() == true, content);
        }

        var responses = new List<ImportedResponse>();
        foreach (var (status, response) in (node["responses"] as JsonObject ?? []).OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var json = (response?["content"] as JsonObject ?? []).FirstOrDefault(c => IsJson(c.Key)).Value;
            responses.Add(new ImportedResponse(status, json?["schema"] is { } schema ? extractor.Extract(schema, operation, status) : null));
        }

        var deprecated = node["deprecated"]?.GetValue<bool>() == true;
        return new ImportedOperation(operation, deprecated, deprecated ? document.ReplacementOf(operation) : null, security, parameters, body, responses);
    }

    /// <summary>Shape key → Sentry's component name for that shape, where the name reads as one (shortest, then ordinal).</summary>
    private static Dictionary<string, string> PublishedNames(PublishedDocument document)
    {
        var extractor = new ShapeExtractor();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, schema) in (document.Root["components"]?["schemas"] as JsonObject ?? []).OrderBy(p => p.Key.Length).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            var owner = new PublishedOperation("get", "#/components/schemas/" + name, [], name, name, string.Empty);
            if (TypeNamer.ReadsAsName(name) && extractor.Extract(schema, owner, "schema") is JsonObject placeholder &&
                placeholder[ShapeExtractor.Placeholder]?.GetValue<string>() is { } key)
            {
                names.TryAdd(key, name);
            }
        }

        return names;
    }

    private static bool IsJson(string mediaType) =>
        mediaType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
}

internal sealed record ImportedOperation(
    PublishedOperation Published,
    bool Deprecated,
    string? ReplacedBy,
    IReadOnlyList<ImportedRequirement> Security,
    IReadOnlyList<ImportedParameter> Parameters,
    ImportedBody? Body,
    IReadOnlyList<ImportedResponse> Responses);

internal sealed record ImportedRequirement(string Scheme, IReadOnlyList<string> Scopes);

internal sealed record ImportedParameter(string Name, string In, bool Required, bool Deprecated, JsonNode? Schema);

internal sealed record ImportedBody(bool Required, IReadOnlyList<(string MediaType, JsonNode? Schema)> Content);

internal sealed record ImportedResponse(string Status, JsonNode? Schema);
