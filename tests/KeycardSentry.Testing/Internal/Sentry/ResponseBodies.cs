using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KeycardSentry.Testing.Internal.Sentry;

/// <summary>
/// The success body of each operation: generated once per operation from its response schema (seeded), then copied
/// per request. A list has <c>ListLength</c> items with distinct ids; a path that addresses one resource
/// (<c>/organizations/{organization_id_or_slug}/</c>) gets that id or slug back in the body, as Sentry would answer.
/// </summary>
internal sealed class ResponseBodies(int seed, int listLength)
{
    private const long FirstListId = 1_000_001;

    /// <summary>Serialized bodies kept per operation and addressed id; past this many, bodies are serialized per request.</summary>
    private const int MaxSerialized = 4096;

    private readonly ConcurrentDictionary<string, JsonNode?> _generated = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Operation, string Addressed), byte[]> _serialized = new();

    /// <summary>
    /// The body of a resource (not a list, nothing to replace) as UTF-8 JSON, serialized once per operation and
    /// addressed id: what most requests get, without copying the generated tree.
    /// </summary>
    public byte[] Serialized(OperationModel operation, IReadOnlyDictionary<string, string> pathParameters)
    {
        var addressed = operation.AddressedParameter is { } parameter && pathParameters.TryGetValue(parameter, out var value) ? value : string.Empty;
        var key = (operation.Operation.OperationId, addressed);
        if (_serialized.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(For(operation, pathParameters, listSlugs: null));
        if (_serialized.Count < MaxSerialized)
        {
            _serialized.TryAdd(key, bytes);
        }

        return bytes;
    }

    /// <summary>A fresh copy of the body for one request.</summary>
    public JsonNode? For(OperationModel operation, IReadOnlyDictionary<string, string> pathParameters, IReadOnlyList<string>? listSlugs)
    {
        if (operation.ResponseSchema is not { } schema)
        {
            return null;
        }

        if (listSlugs is not null && schema.ArrayItems() is { } items)
        {
            return List(operation, items, listSlugs.Count, i => listSlugs[i]); // fixtures (Projects) are read per request
        }

        var body = _generated.GetOrAdd(operation.Operation.OperationId, _ => Generate(operation, schema))?.DeepClone();
        if (body is JsonObject resource && operation.AddressedParameter is { } parameter && pathParameters.TryGetValue(parameter, out var value))
        {
            EchoIdentifier(resource, schema, parameter, value);
        }

        return body;
    }

    private JsonNode? Generate(OperationModel operation, SchemaNode schema) =>
        schema.ArrayItems() is { } items
            ? List(operation, items, listLength, slugOf: null)
            : BodyGenerator.Generate(schema, seed, operation.Operation.OperationId);

    private JsonArray List(OperationModel operation, SchemaNode items, int count, Func<int, string>? slugOf)
    {
        var list = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var item = BodyGenerator.Generate(items, seed, operation.Operation.OperationId + "#" + i.ToString(CultureInfo.InvariantCulture));
            if (item is JsonObject fields)
            {
                // Distinct ids, so a client walking the pages can tell every item apart.
                Replace(fields, items, "id", (FirstListId + i).ToString(CultureInfo.InvariantCulture));
                if (slugOf is not null)
                {
                    Replace(fields, items, "slug", slugOf(i));
                    Replace(fields, items, "name", slugOf(i));
                }
            }

            list.Add(item);
        }

        return list;
    }

    private static void EchoIdentifier(JsonObject resource, SchemaNode schema, string parameter, string value)
    {
        if (!IsPlainIdentifier(value))
        {
            return;
        }

        var digits = value.All(char.IsAsciiDigit);
        if (parameter.EndsWith("slug", StringComparison.Ordinal))
        {
            Replace(resource, schema, digits ? "id" : "slug", value);
        }
        else if (parameter == "id" || parameter.EndsWith("_id", StringComparison.Ordinal) || parameter == "uuid")
        {
            Replace(resource, schema, "id", value);
        }
        else
        {
            Replace(resource, schema, parameter, value);
        }
    }

    /// <summary>Sets <paramref name="name"/> only where the schema lets any string (or, for digits, any integer) stand.</summary>
    private static void Replace(JsonObject fields, SchemaNode schema, string name, string value)
    {
        if (fields[name] is not JsonValue current || schema.FindProperty(name) is not { } property
            || property.Enum.Count > 0 || property.Const is not null || property.Pattern is not null || property.Format is not null
            || (property.MaxLength is { } max && value.Length > max) || (property.MinLength is { } min && value.Length < min))
        {
            return;
        }

        if (current.GetValueKind() == JsonValueKind.String)
        {
            fields[name] = value;
        }
        else if (current.GetValueKind() == JsonValueKind.Number && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && property.Minimum is null && property.Maximum is null)
        {
            fields[name] = number;
        }
    }

    private static bool IsPlainIdentifier(string value) =>
        value.Length is > 0 and <= 200 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
