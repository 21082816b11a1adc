using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace KeycardSentry.SpecImport;

/// <summary>
/// A distinct object schema (or union of object schemas) of the document: one component, one generated type.
/// Two schemas are the same shape when their facts are equal (descriptions and examples are not facts).
/// </summary>
internal sealed class Shape(string identity, JsonObject body, bool isUnion)
{
    /// <summary>The canonical text of the facts (nested shapes by key): equal identity, same shape.</summary>
    public string Identity { get; } = identity;

    /// <summary>A short hash of <see cref="Identity"/>: how bodies refer to nested shapes before they have names.</summary>
    public string Key { get; } = KeyOf(identity);

    /// <summary>The schema with nested shapes as <c>{"$shape": key}</c> placeholders (written as <c>$ref</c>s).</summary>
    public JsonObject Body { get; } = body;

    /// <summary>True for an anyOf/oneOf whose members include object shapes (the generator merges them into one class).</summary>
    public bool IsUnion { get; } = isUnion;

    public List<Occurrence> Occurrences { get; } = [];

    public string? Name { get; set; }

    /// <summary>The first of its occurrences by position: a deterministic tie-breaker.</summary>
    public string FirstPosition => Occurrences.Select(o => o.Position).Min(StringComparer.Ordinal)!;

    public static string KeyOf(string identity) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16];
}

/// <summary>One place a shape is used: an operation's request or response body, at a JSON path inside it.</summary>
/// <param name="Operation">The operation.</param>
/// <param name="Role">The response status code, or "body".</param>
/// <param name="Rel">The path inside the body: <c>/prop</c>, <c>[]</c> array items, <c>{}</c> map values, <c>|n</c> union members.</param>
/// <param name="Shape">The shape used here.</param>
internal sealed record Occurrence(PublishedOperation Operation, string Role, string Rel, Shape Shape)
{
    /// <summary>The enclosing shape's occurrence (null at the body's root).</summary>
    public Occurrence? Parent { get; set; }

    /// <summary>The path from the parent shape to this one (e.g. <c>/avatar</c>, <c>/widgets[]</c>).</summary>
    public string RelInParent { get; set; } = string.Empty;

    /// <summary>"GET /api/0/... 200/avatar": stable across versions as long as the operation and the path are.</summary>
    public string Position => Operation.Key + " " + Role + Rel;
}

/// <summary>The canonical text of a schema: keywords sorted, property order kept (it is part of the shape).</summary>
internal static class Canonical
{
    public static string Of(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(node, text, sortKeys: true);
        return text.ToString();
    }

    private static void Write(JsonNode? node, StringBuilder text, bool sortKeys)
    {
        switch (node)
        {
            case JsonObject obj:
                text.Append('{');
                var members = sortKeys ? obj.OrderBy(p => p.Key, StringComparer.Ordinal) : obj.AsEnumerable();
                foreach (var (key, value) in members)
                {
                    text.Append(JsonText.Compact(JsonValue.Create(key))).Append(':');

                    // Inside "properties" the keys are property names, in the document's order; below them, schemas again.
                    if (key == "properties" && value is JsonObject properties)
                    {
                        text.Append('{');
                        foreach (var (name, schema) in properties)
                        {
                            text.Append(JsonText.Compact(JsonValue.Create(name))).Append(':');
                            Write(schema, text, sortKeys: true);
                            text.Append(',');
                        }

                        text.Append('}');
                    }
                    else
                    {
                        Write(value, text, sortKeys: true);
                    }

                    text.Append(',');
                }

                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                foreach (var item in array)
                {
                    Write(item, text, sortKeys: true);
                    text.Append(',');
                }

                text.Append(']');
                break;
            default:
                text.Append(JsonText.Compact(node));
                break;
        }
    }
}
