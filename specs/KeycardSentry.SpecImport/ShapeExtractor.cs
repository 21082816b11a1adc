using System.Text.Json.Nodes;

namespace KeycardSentry.SpecImport;

/// <summary>
/// Keeps the facts of a schema (types, formats, nullability, enums, constraints, structure) and drops Sentry's prose
/// (description, title, examples, x-* notes). In JSON request and response bodies it also lifts every object schema
/// with properties, and every union with such members, out into a <see cref="Shape"/>, leaving a placeholder
/// <c>{"$shape": key}</c> (plus <c>"nullable": true</c> when that use allows null).
/// </summary>
internal sealed class ShapeExtractor
{
    public const string Placeholder = "$shape";

    private static readonly HashSet<string> Facts = new(StringComparer.Ordinal)
    {
        "type", "format", "nullable", "enum", "default", "items", "properties", "required", "additionalProperties",
        "anyOf", "oneOf", "allOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
        "readOnly", "writeOnly", "deprecated",
    };

    private readonly Dictionary<string, Shape> _byIdentity = new(StringComparer.Ordinal);

    public IReadOnlyCollection<Shape> Shapes => _byIdentity.Values;

    /// <summary>The facts of a schema that stays inline (a parameter, a form body): nothing is lifted out.</summary>
    public static JsonNode? FactsOf(JsonNode? schema) => new ShapeExtractor().Walk(schema, null, string.Empty, string.Empty, []);

    /// <summary>The facts of a body schema, its object shapes lifted out and recorded as used by <paramref name="operation"/>.</summary>
    public JsonNode? Extract(JsonNode? schema, PublishedOperation operation, string role) =>
        Walk(schema, operation, role, string.Empty, []);

    private JsonNode? Walk(JsonNode? schema, PublishedOperation? operation, string role, string rel, List<Occurrence> pending)
    {
        if (schema is not JsonObject source)
        {
            return schema?.DeepClone();
        }

        var children = new List<Occurrence>();
        var body = new JsonObject();
        foreach (var (key, value) in source)
        {
            if (!Facts.Contains(key))
            {
                continue;
            }

            body[key] = key switch
            {
                "properties" when value is JsonObject properties =>
                    new JsonObject(properties.Select(p => KeyValuePair.Create(p.Key, Walk(p.Value, operation, role, rel + "/" + p.Key, children)))),
                "items" => Walk(value, operation, role, rel + "[]", children),
                "additionalProperties" when value is JsonObject => Walk(value, operation, role, rel + "{}", children),
                "anyOf" or "oneOf" or "allOf" when value is JsonArray members =>
                    new JsonArray(members.Select((m, i) => Walk(m, operation, role, $"{rel}|{i}", children)).ToArray()),
                "required" when value is JsonArray names =>
                    new JsonArray(names.Select(n => n!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal).Select(n => (JsonNode)JsonValue.Create(n)).ToArray()),
                _ => value?.DeepClone(),
            };
        }

        var isObject = body["properties"] is JsonObject { Count: > 0 };
        var isUnion = !isObject && (body["anyOf"] ?? body["oneOf"]) is JsonArray union && union.Any(m => m is JsonObject o && o.ContainsKey(Placeholder));
        if (operation is null || !(isObject || isUnion))
        {
            pending.AddRange(children);
            return body;
        }

        // Whether null is allowed belongs to each use, not to the shape.
        var nullable = body.Remove("nullable", out var flag) && flag?.GetValue<bool>() == true;
        var identity = Canonical.Of(body);
        if (!_byIdentity.TryGetValue(identity, out var shape))
        {
            shape = new Shape(identity, body, isUnion);
            _byIdentity.Add(identity, shape);
        }

        var occurrence = new Occurrence(operation, role, rel, shape);
        shape.Occurrences.Add(occurrence);
        foreach (var child in children)
        {
            child.Parent = occurrence;
            child.RelInParent = child.Rel[rel.Length..];
        }

        pending.Add(occurrence);
        return PlaceholderFor(shape.Key, nullable);
    }

    public static JsonObject PlaceholderFor(string key, bool nullable)
    {
        var placeholder = new JsonObject { [Placeholder] = key };
        if (nullable)
        {
            placeholder["nullable"] = true;
        }

        return placeholder;
    }
}
