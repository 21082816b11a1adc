using System.Net;
using System.Text.Json.Nodes;

namespace KeycardSentry.SpecImport;

/// <summary>
/// Writes our spec: every operation's facts (path, method, operationId, tags, scopes, parameters, bodies, status codes,
/// deprecation, reference page) with each shape once under <c>components/schemas</c>. Paths are sorted, methods in a
/// fixed order, schemas by name, so the text depends only on the facts.
/// </summary>
internal static class SpecBuilder
{
    public const string ScopeSemanticsExtension = "x-keycard-scope-semantics";
    public const string ReplacedByExtension = "x-keycard-replaced-by";
    public const string PublishedIdExtension = "x-sentry-operation-id";
    public const string SourceExtension = "x-keycard-source";

    private static readonly string[] SchemaKeywordOrder =
    [
        "type", "format", "nullable", "readOnly", "writeOnly", "deprecated", "enum", "default", "minimum", "exclusiveMinimum",
        "maximum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
        "minProperties", "maxProperties", "required", "properties", "items", "additionalProperties", "allOf", "anyOf", "oneOf",
    ];

    public static JsonObject Build(PublishedDocument document, IReadOnlyList<ImportedOperation> operations, IReadOnlyCollection<Shape> shapes)
    {
        var names = shapes.ToDictionary(s => s.Key, s => s.Name!, StringComparer.Ordinal);
        var paths = new JsonObject();
        foreach (var group in operations.GroupBy(o => o.Published.Path, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var item = new JsonObject();
            foreach (var operation in group.OrderBy(o => Array.IndexOf(PublishedDocument.Methods, o.Published.Method)))
            {
                item[operation.Published.Method] = Operation(operation, names);
            }

            paths[group.Key] = item;
        }

        var tags = operations.SelectMany(o => o.Published.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var regions = document.Regions();
        return new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject
            {
                ["title"] = "Sentry API",
                ["version"] = document.Version,
                ["description"] = "The facts of Sentry's published API description (paths, parameters, types, scopes), " +
                    "written by specs/KeycardSentry.SpecImport. An operation's security scopes are any-of: a token holding any one " +
                    "of them may call it.",
            },
            [SourceExtension] = new JsonObject { ["sha256"] = document.Sha256, ["operations"] = operations.Count },
            [ScopeSemanticsExtension] = "any-of",
            ["servers"] = new JsonArray(regions.Select(r => (JsonNode)new JsonObject { ["url"] = r.Url }).ToArray()),
            ["tags"] = new JsonArray(tags.Select(t => (JsonNode)new JsonObject { ["name"] = t }).ToArray()),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = new JsonObject(shapes.OrderBy(s => s.Name, StringComparer.Ordinal)
                    .Select(s => KeyValuePair.Create(s.Name!, Schema(s.Body, names)))),
                ["securitySchemes"] = SecuritySchemes(document),
            },
        };
    }

    private static JsonObject Operation(ImportedOperation operation, IReadOnlyDictionary<string, string> names)
    {
        var published = operation.Published;
        var result = new JsonObject { ["operationId"] = published.OperationId };
        if (published.OperationId != published.PublishedId)
        {
            result[PublishedIdExtension] = published.PublishedId;
        }

        result["tags"] = new JsonArray(published.Tags.Select(t => (JsonNode)JsonValue.Create(t)).ToArray());
        if (operation.Deprecated)
        {
            result["deprecated"] = true;
            if (operation.ReplacedBy is { } replacement)
            {
                result[ReplacedByExtension] = replacement;
            }
        }

        result["externalDocs"] = new JsonObject { ["url"] = published.DocumentationUrl };
        result["security"] = new JsonArray(operation.Security.Select(r => (JsonNode)new JsonObject
        {
            [r.Scheme] = new JsonArray(r.Scopes.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
        }).ToArray());
        if (operation.Parameters.Count > 0)
        {
            result["parameters"] = new JsonArray(operation.Parameters.Select(p => (JsonNode)Parameter(p)).ToArray());
        }

        if (operation.Body is { } body)
        {
            var content = new JsonObject(body.Content.Select(c => KeyValuePair.Create(c.MediaType, (JsonNode?)new JsonObject { ["schema"] = Schema(c.Schema, names) })));
            result["requestBody"] = body.Required ? new JsonObject { ["required"] = true, ["content"] = content } : new JsonObject { ["content"] = content };
        }

        result["responses"] = new JsonObject(operation.Responses.Select(r => KeyValuePair.Create(r.Status, (JsonNode?)Response(r, names))));
        return result;
    }

    private static JsonObject Parameter(ImportedParameter parameter)
    {
        var result = new JsonObject { ["name"] = parameter.Name, ["in"] = parameter.In };
        if (parameter.Required)
        {
            result["required"] = true;
        }

        if (parameter.Deprecated)
        {
            result["deprecated"] = true;
        }

        if (parameter.In == "query" && parameter.Schema?["type"]?.GetValue<string>() == "array")
        {
            // OpenAPI's default for query arrays, written out: ?project=1&project=2.
            result["style"] = "form";
            result["explode"] = true;
        }

        result["schema"] = Schema(parameter.Schema, new Dictionary<string, string>());
        return result;
    }

    private static JsonObject Response(ImportedResponse response, IReadOnlyDictionary<string, string> names)
    {
        var result = new JsonObject { ["description"] = Reason(response.Status) };
        if (response.Schema is not null)
        {
            result["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Schema(response.Schema, names) } };
        }

        return result;
    }

    /// <summary>A schema with keywords in a fixed order and placeholders turned into references.</summary>
    private static JsonNode? Schema(JsonNode? node, IReadOnlyDictionary<string, string> names)
    {
        if (node is JsonArray array)
        {
            return new JsonArray(array.Select(i => Schema(i, names)).ToArray());
        }

        if (node is not JsonObject obj)
        {
            return node?.DeepClone();
        }

        if (obj[ShapeExtractor.Placeholder]?.GetValue<string>() is { } key)
        {
            var reference = new JsonObject { ["$ref"] = "#/components/schemas/" + names[key] };
            return obj["nullable"]?.GetValue<bool>() == true

                // A 3.0 "nullable" beside a $ref is ignored; this wrapper is how a nullable reference is spelled.
                ? new JsonObject { ["type"] = "object", ["nullable"] = true, ["allOf"] = new JsonArray(reference) }
                : reference;
        }

        var result = new JsonObject();
        foreach (var keyword in SchemaKeywordOrder.Where(obj.ContainsKey))
        {
            result[keyword] = keyword switch
            {
                "properties" => new JsonObject(((JsonObject)obj[keyword]!).Select(p => KeyValuePair.Create(p.Key, Schema(p.Value, names)))),
                "items" or "additionalProperties" or "allOf" or "anyOf" or "oneOf" => Schema(obj[keyword], names),
                _ => obj[keyword]!.DeepClone(),
            };
        }

        return result;
    }

    private static JsonObject SecuritySchemes(PublishedDocument document)
    {
        var schemes = new JsonObject();
        foreach (var (name, scheme) in document.Root["components"]?["securitySchemes"] as JsonObject ?? [])
        {
            if (scheme is JsonObject obj)
            {
                schemes[name] = new JsonObject(obj.Where(p => p.Key is "type" or "scheme" or "bearerFormat" or "in" or "name")
                    .Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
            }
        }

        return schemes;
    }

    /// <summary>The HTTP reason phrase ("No Content"): OpenAPI requires a description, and this one is not Sentry's prose.</summary>
    private static string Reason(string status) =>
        int.TryParse(status, out var code) && Enum.IsDefined((HttpStatusCode)code)
            ? string.Join(" ", Words.Split(((HttpStatusCode)code).ToString()))
            : "Status " + status;
}
