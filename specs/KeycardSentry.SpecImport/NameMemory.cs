using System.Text.Json.Nodes;

namespace KeycardSentry.SpecImport;

/// <summary>
/// The names of the previous import (our committed spec), so names stay put from one Sentry document to the next:
/// a shape that is still there keeps its name, and a shape that changed (a field added) keeps the name of the shape
/// that stood in the same places (same operations, same paths). New shapes never take a remembered name.
/// </summary>
internal sealed class NameMemory
{
    private const string SchemaPrefix = "#/components/schemas/";

    private readonly Dictionary<string, string> _nameByIdentity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _nameByPosition = new(StringComparer.Ordinal);

    private NameMemory()
    {
    }

    /// <summary>How many names the previous spec had.</summary>
    public int Count => _nameByIdentity.Count;

    /// <summary>True when the shape carries a name the previous spec gave it (to it, or to what stood where it stands).</summary>
    public bool Remembers(Shape shape) =>
        shape.Name is { } name && (_nameByIdentity.ContainsValue(name) || shape.Occurrences.Any(o => _nameByPosition.TryGetValue(o.Position, out var old) && old == name));

    /// <summary>Reads a spec this importer wrote earlier.</summary>
    public static NameMemory Read(string previousSpec)
    {
        var memory = new NameMemory();
        var root = JsonNode.Parse(previousSpec) as JsonObject ?? throw new ImportException("The previous spec is not a JSON object.");
        var schemas = root["components"]?["schemas"] as JsonObject ?? [];
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, _) in schemas)
        {
            memory._nameByIdentity[IdentityOf(name, schemas, keys, 0)] = name;
        }

        foreach (var (path, item) in root["paths"] as JsonObject ?? [])
        {
            foreach (var method in PublishedDocument.Methods)
            {
                if (item?[method] is not JsonObject operation)
                {
                    continue;
                }

                var key = method.ToUpperInvariant() + " " + path;
                if (operation["requestBody"]?["content"]?["application/json"]?["schema"] is { } body)
                {
                    memory.Record(body, key + " body", schemas, 0);
                }

                foreach (var (status, response) in operation["responses"] as JsonObject ?? [])
                {
                    if (response?["content"]?["application/json"]?["schema"] is { } schema)
                    {
                        memory.Record(schema, key + " " + status, schemas, 0);
                    }
                }
            }
        }

        return memory;
    }

    /// <summary>Names the shapes the previous spec knew: first those unchanged, then those that stand where a named one stood.</summary>
    public void Apply(IReadOnlyList<Shape> shapes, HashSet<string> taken)
    {
        foreach (var shape in shapes)
        {
            if (_nameByIdentity.TryGetValue(shape.Identity, out var name) && taken.Add(name))
            {
                shape.Name = name;
            }
        }

        var byPlace = shapes
            .Where(s => s.Name is null)
            .SelectMany(s => s.Occurrences
                .Select(o => _nameByPosition.TryGetValue(o.Position, out var old) ? old : null)
                .OfType<string>()
                .GroupBy(n => n, StringComparer.Ordinal)
                .Select(g => (Shape: s, Name: g.Key, Overlap: g.Count())))
            .OrderByDescending(c => c.Overlap)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .ThenBy(c => c.Shape.FirstPosition, StringComparer.Ordinal);
        foreach (var (shape, name, _) in byPlace)
        {
            if (shape.Name is null && taken.Add(name))
            {
                shape.Name = name;
            }
        }
    }

    /// <summary>
    /// The identity a component had when it was written: its body with references turned back into placeholders of
    /// the referenced identity, exactly as <see cref="ShapeExtractor"/> computes it.
    /// </summary>
    private static string IdentityOf(string name, JsonObject schemas, Dictionary<string, string> keys, int depth)
    {
        if (depth > 64 || schemas[name] is not JsonObject schema)
        {
            throw new ImportException($"The previous spec's schema '{name}' is missing or nests too deeply.");
        }

        return Canonical.Of(ToPlaceholders(schema, schemas, keys, depth));
    }

    private static JsonNode? ToPlaceholders(JsonNode? node, JsonObject schemas, Dictionary<string, string> keys, int depth)
    {
        if (Referenced(node) is { } reference)
        {
            if (!keys.TryGetValue(reference.Name, out var key))
            {
                keys[reference.Name] = key = Shape.KeyOf(IdentityOf(reference.Name, schemas, keys, depth + 1));
            }

            return ShapeExtractor.PlaceholderFor(key, reference.Nullable);
        }

        return node switch
        {
            JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, ToPlaceholders(p.Value, schemas, keys, depth)))),
            JsonArray array => new JsonArray(array.Select(i => ToPlaceholders(i, schemas, keys, depth)).ToArray()),
            _ => node?.DeepClone(),
        };
    }

    /// <summary>Records which component stands at each place of a body, following references.</summary>
    private void Record(JsonNode? node, string position, JsonObject schemas, int depth)
    {
        if (depth > 64 || node is not JsonObject obj)
        {
            return;
        }

        if (Referenced(obj) is { } reference)
        {
            _nameByPosition.TryAdd(position, reference.Name);
            Record(schemas[reference.Name], position, schemas, depth + 1);
            return;
        }

        foreach (var (property, schema) in obj["properties"] as JsonObject ?? [])
        {
            Record(schema, position + "/" + property, schemas, depth + 1);
        }

        Record(obj["items"], position + "[]", schemas, depth + 1);
        Record(obj["additionalProperties"], position + "{}", schemas, depth + 1);
        foreach (var keyword in new[] { "anyOf", "oneOf", "allOf" })
        {
            var i = 0;
            foreach (var member in obj[keyword] as JsonArray ?? [])
            {
                Record(member, $"{position}|{i++}", schemas, depth + 1);
            }
        }
    }

    /// <summary>A <c>$ref</c>, or the nullable wrapper <c>{"type": "object", "nullable": true, "allOf": [{"$ref": ...}]}</c>.</summary>
    internal static (string Name, bool Nullable)? Referenced(JsonNode? node)
    {
        if (node is not JsonObject obj)
        {
            return null;
        }

        if (obj["$ref"]?.GetValue<string>() is { } direct && direct.StartsWith(SchemaPrefix, StringComparison.Ordinal))
        {
            return (direct[SchemaPrefix.Length..], false);
        }

        if (obj.Count == 3 && obj["nullable"]?.GetValue<bool>() == true && obj["type"]?.GetValue<string>() == "object" &&
            obj["allOf"] is JsonArray { Count: 1 } allOf && allOf[0]?["$ref"]?.GetValue<string>() is { } wrapped && wrapped.StartsWith(SchemaPrefix, StringComparison.Ordinal))
        {
            return (wrapped[SchemaPrefix.Length..], true);
        }

        return null;
    }
}
