using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.OpenApi;

namespace KeycardSentry.Testing.Tests.Infrastructure;

/// <summary>
/// JSON Schema validators (JsonSchema.Net, draft 2020-12) for operations' success responses. The document is written
/// out as OpenAPI 3.1 by Microsoft.OpenApi, whose schemas are JSON Schema (a 3.0 <c>nullable</c> becomes a
/// <c>"null"</c> type); each operation's schema is evaluated inside a copy of the document's components, so
/// <c>$ref</c>s resolve. Formats (date-time, uri, email, uuid) are asserted, not just annotated.
/// </summary>
internal sealed class ResponseSchemas
{
    private static readonly EvaluationOptions s_options = new() { OutputFormat = OutputFormat.Hierarchical, RequireFormatValidation = true };

    // OpenAPI keeps annotation keywords JSON Schema does not know (example, discriminator, xml): ignore them.
    private static readonly Dialect s_dialect = Dialect.Draft202012.With([], allowUnknownKeywords: true);

    private readonly JsonNode _document;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);

    public ResponseSchemas(OpenApiDocument document)
    {
        var text = new StringWriter();
        document.SerializeAsV31(new OpenApiJsonWriter(text));
        _document = JsonNode.Parse(text.ToString())!;
    }

    /// <summary>Null when the body is valid, else the first errors with where they are.</summary>
    public string? Validate(SentryOperation operation, string body)
    {
        var schema = _schemas.GetOrAdd(operation.OperationId, _ => Build(operation));
        using var instance = JsonDocument.Parse(body);
        var results = schema.Evaluate(instance.RootElement, s_options);
        if (results.IsValid)
        {
            return null;
        }

        return $"{operation}: {string.Join(" | ", Failures(results).Take(8))}";
    }

    /// <summary>The errors on the failing path only (a passing anyOf's failed branches are not the problem).</summary>
    private static IEnumerable<string> Failures(EvaluationResults results)
    {
        foreach (var (keyword, message) in results.Errors ?? [])
        {
            yield return $"{results.InstanceLocation}: {keyword}: {message}";
        }

        foreach (var child in (results.Details ?? []).Where(d => !d.IsValid))
        {
            foreach (var failure in Failures(child))
            {
                yield return failure;
            }
        }
    }

    private JsonSchema Build(SentryOperation operation)
    {
        var target = _document["paths"]![operation.PathTemplate]![operation.Method.ToLowerInvariant()]!["responses"]!
            [operation.SuccessStatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)]!["content"]!.AsObject()
            .First(c => c.Key.Contains("json", StringComparison.OrdinalIgnoreCase)).Value!["schema"] ?? new JsonObject();
        var root = new JsonObject
        {
            ["$ref"] = "#/$defs/response",
            ["$defs"] = new JsonObject { ["response"] = target.DeepClone() },
            ["components"] = _document["components"]?.DeepClone(),
        };
        var id = new Uri("urn:keycardsentry:response:" + Uri.EscapeDataString(operation.OperationId));
        return JsonSchema.FromText(root.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = s_dialect }, id);
    }
}
