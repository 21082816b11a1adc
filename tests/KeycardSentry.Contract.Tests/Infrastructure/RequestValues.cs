using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KeycardSentry.Contract.Tests.Infrastructure;

/// <summary>
/// Realistic request values that validate against a parameter's or body's schema in Sentry's document: the schema's
/// default or first enum value, its format (date-time, uri, email, uuid), integer ranges, string patterns and lengths,
/// and for names Sentry uses everywhere a value a real caller would send (organization <c>acme</c>, project
/// <c>backend</c>, hex event ids, ISO 8601 periods). Deterministic: the same schema gives the same value.
/// </summary>
internal sealed class RequestValues(ContractSpec spec)
{
    private const int MaxDepth = 8;

    /// <summary>
    /// A value for a path or query parameter. In a URL every value is text, so an integer also matches a
    /// <c>string</c> alternative: for a <c>oneOf</c> (exactly one must match) the string alternative is chosen, with a
    /// value no integer schema accepts.
    /// </summary>
    public JsonNode? ForParameter(string name, JsonNode? schema)
    {
        var parameter = spec.Resolve(schema) as JsonObject;
        if (parameter?["oneOf"] is JsonArray alternatives && alternatives.Any(a => (string?)spec.Resolve(a)?["type"] == "string"))
        {
            return JsonValue.Create(Word(name));
        }

        return Value(schema, name, 0, optional: true);
    }

    /// <summary>
    /// A request body: every required property, and at the top level the optional ones too (so the model's own
    /// serialization of each is checked), nested objects with their required properties.
    /// </summary>
    public JsonNode? ForBody(JsonNode? schema) => Value(schema, null, 0, optional: true);

    private JsonNode? Value(JsonNode? node, string? name, int depth, bool optional)
    {
        var members = spec.Members(node);
        if (members.Count == 0)
        {
            return JsonValue.Create(Word(name));
        }

        var schema = members[0];
        if (schema["const"] is { } constant)
        {
            return constant.DeepClone();
        }

        if (schema["enum"] is JsonArray values && values.FirstOrDefault(v => v is not null) is { } first)
        {
            return (schema["default"] is { } preferred && values.Any(v => JsonNode.DeepEquals(v, preferred)) ? preferred : first).DeepClone();
        }

        // A union: the first alternative that is not null (oneOf alternatives here differ by JSON type, so one matches).
        if (schema["anyOf"] is JsonArray || schema["oneOf"] is JsonArray)
        {
            var alternatives = (schema["anyOf"] as JsonArray ?? schema["oneOf"] as JsonArray)!;
            var choice = alternatives.FirstOrDefault(a => (string?)spec.Resolve(a)?["type"] != "null");
            return schema["properties"] is JsonObject ? Object([schema, .. spec.Members(choice)], depth, optional) : Value(choice, name, depth, optional);
        }

        var objectParts = members.Where(m => m["properties"] is JsonObject || (string?)m["type"] == "object").ToList();
        var type = (string?)schema["type"] ?? (objectParts.Count > 0 ? "object" : (string?)members.Skip(1).Select(m => m["type"]).FirstOrDefault(t => t is not null));
        return type switch
        {
            "object" => Object(objectParts.Count > 0 ? objectParts : members, depth, optional),
            "array" => Array(schema, name, depth),
            "integer" => JsonValue.Create(Integer(schema, name)),
            "number" => JsonValue.Create(Number(schema)),
            "boolean" => JsonValue.Create(schema["default"] is JsonValue d && d.TryGetValue<bool>(out var b) ? b : true),
            "null" => null,
            _ => JsonValue.Create(String(schema, name)),
        };
    }

    private JsonObject Object(IReadOnlyList<JsonObject> parts, int depth, bool optional)
    {
        var result = new JsonObject();
        var required = parts.SelectMany(p => (p["required"] as JsonArray ?? []).Select(r => (string?)r)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            foreach (var (property, schema) in part["properties"] as JsonObject ?? [])
            {
                var include = required.Contains(property) || (optional && depth == 0 && !(spec.Resolve(schema)?["readOnly"] is JsonValue r && r.GetValue<bool>()));
                if (include && !result.ContainsKey(property) && depth < MaxDepth)
                {
                    result[property] = Value(schema, property, depth + 1, optional: false);
                }
            }
        }

        return result;
    }

    private JsonArray Array(JsonObject schema, string? name, int depth)
    {
        var count = Math.Max(1, (int?)schema["minItems"] ?? 0);
        count = Math.Min(count, (int?)schema["maxItems"] ?? count);
        var result = new JsonArray();
        for (var i = 0; i < count && depth < MaxDepth; i++)
        {
            result.Add(Value(schema["items"], Singular(name), depth + 1, optional: false));
        }

        return result;
    }

    private static long Integer(JsonObject schema, string? name)
    {
        if (schema["default"] is JsonValue d && d.TryGetValue<long>(out var preferred))
        {
            return preferred;
        }

        var lower = name?.ToLowerInvariant() ?? string.Empty;
        long wanted = lower switch
        {
            "per_page" or "limit" or "count" => 25,
            _ when lower.Contains("port", StringComparison.Ordinal) => 443,
            _ when IsId(lower) => 4_521_837,
            _ => 10,
        };
        var minimum = (long?)(double?)schema["minimum"] ?? long.MinValue;
        var maximum = (long?)(double?)schema["maximum"] ?? long.MaxValue;
        return Math.Clamp(wanted, minimum, Math.Max(minimum, maximum));
    }

    private static double Number(JsonObject schema)
    {
        var minimum = (double?)schema["minimum"] ?? double.MinValue;
        var maximum = (double?)schema["maximum"] ?? double.MaxValue;
        return Math.Clamp(0.5, minimum, Math.Max(minimum, maximum));
    }

    private static string String(JsonObject schema, string? name)
    {
        var value = schema["default"] is JsonValue d && d.TryGetValue<string>(out var preferred) && preferred.Length > 0
            ? preferred
            : Formatted((string?)schema["format"]) ?? Named(name);
        if ((string?)schema["pattern"] is { Length: > 0 } pattern)
        {
            var candidates = new[] { value, (string?)schema["example"], "4d1b2e9f7a3c4e5f8a6b9c0d1e2f3a4b", "3f786850e387550fdab836ed7e6dc881de23001b", "1.2.3", "42", "acme" };
            value = candidates.FirstOrDefault(c => c is not null && Regex.IsMatch(c, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
                ?? throw new InvalidOperationException($"No sample value for '{name}' matches its pattern {pattern}: add one to RequestValues.");
        }

        var minLength = (int?)schema["minLength"] ?? 0;
        var maxLength = (int?)schema["maxLength"] ?? int.MaxValue;
        value = value.Length < minLength ? value.PadRight(minLength, 'x') : value;
        return value.Length > maxLength ? value[..maxLength] : value;
    }

    private static string? Formatted(string? format) => format switch
    {
        "date-time" => "2026-03-14T09:26:53Z",
        "date" => "2026-03-14",
        "time" => "09:26:53Z",
        "uri" or "url" or "uri-reference" or "iri" => "https://backend.acme.example/releases/2.4.1",
        "email" or "idn-email" => "jane.doe@acme.example",
        "uuid" => "6f1c2b7e-4d3a-4f6b-9e2c-8a7d5b3c1e90",
        "ipv4" => "192.0.2.10",
        "hostname" => "backend.acme.example",
        _ => null,
    };

    private static string Named(string? name)
    {
        var lower = name?.ToLowerInvariant() ?? string.Empty;
        return lower switch
        {
            "organization_id_or_slug" or "organization" or "organization_slug" => "acme",
            "project_id_or_slug" or "project" or "project_slug" => "backend",
            "team_id_or_slug" or "team" or "team_slug" => "platform",
            "monitor_id_or_slug" => "nightly-backup",
            "sentry_app_id_or_slug" => "acme-deploys",
            "environment" => "production",
            "version" => "2.4.1",
            "statsperiod" or "stats_period" => "14d",
            "query" => "is:unresolved",
            "cursor" => "0:0:0",
            "sort" or "sortby" or "orderby" => "date",
            "key" => "browser",
            "platform" => "python",
            "email" => "jane.doe@acme.example",
            "url" or "uri" or "webhookurl" or "webhook_url" => "https://hooks.acme.example/sentry",
            "name" => "Backend",
            "slug" => "backend",
            "title" => "Checkout fails for EU cards",
            _ when lower.Contains("event", StringComparison.Ordinal) && IsId(lower) => "4d1b2e9f7a3c4e5f8a6b9c0d1e2f3a4b",
            _ when lower.Contains("uuid", StringComparison.Ordinal) => "6f1c2b7e-4d3a-4f6b-9e2c-8a7d5b3c1e90",
            _ when IsId(lower) => "4521837",
            _ => lower.Length > 0 ? Word(lower) : "example",
        };
    }

    private static string Word(string? name) => string.IsNullOrEmpty(name) ? "example" : "example-" + Regex.Replace(name.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');

    private static bool IsId(string lower) => lower == "id" || lower.EndsWith("_id", StringComparison.Ordinal) || lower.EndsWith("id", StringComparison.Ordinal) && lower.Length > 2 && !lower.EndsWith("uuid", StringComparison.Ordinal);

    private static string? Singular(string? name) => name is { Length: > 1 } && name.EndsWith('s') ? name[..^1] : name;
}
