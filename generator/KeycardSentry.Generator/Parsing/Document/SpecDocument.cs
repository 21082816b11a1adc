using System;
using System.Collections.Generic;
using System.Text.Json;

namespace KeycardSentry.Generator.Parsing.Document;

/// <summary>
/// An OpenAPI 3.0/3.1 JSON document read with System.Text.Json: the parts the generator uses, with local
/// <c>#/components/...</c> references followed. Reading the SDK's 520 KB spec this way takes tens of milliseconds;
/// Microsoft.OpenApi took seconds on a cold compiler (measured by GeneratorSpeedTests), which is why it is not used.
/// </summary>
internal sealed class SpecDocument : IDisposable
{
    private const string ComponentsPrefix = "#/components/";
    private readonly JsonDocument _json;

    private SpecDocument(JsonDocument json) => _json = json;

    public JsonElement Root => _json.RootElement;

    /// <summary>Parses the text; on failure returns null with the parser's message and its position.</summary>
    public static SpecDocument? Parse(string text, out string? error, out int errorIndex)
    {
        error = null;
        errorIndex = 0;
        try
        {
            var json = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                json.Dispose();
                error = "the document is not a JSON object";
                return null;
            }

            return new SpecDocument(json);
        }
        catch (JsonException ex)
        {
            error = ex.Message;
            errorIndex = SpecLocator.IndexOf(text, ex);
            return null;
        }
    }

    /// <summary>The paths object's entries, in document order.</summary>
    public IEnumerable<KeyValuePair<string, JsonElement>> Paths()
    {
        if (Member(Root, "paths") is { ValueKind: JsonValueKind.Object } paths)
        {
            foreach (var path in paths.EnumerateObject())
            {
                yield return new KeyValuePair<string, JsonElement>(path.Name, Resolve(path.Value) ?? path.Value);
            }
        }
    }

    /// <summary>The component schemas, in document order.</summary>
    public IEnumerable<KeyValuePair<string, SchemaNode>> ComponentSchemas()
    {
        if (Member(Member(Root, "components"), "schemas") is { ValueKind: JsonValueKind.Object } schemas)
        {
            foreach (var schema in schemas.EnumerateObject())
            {
                yield return new KeyValuePair<string, SchemaNode>(schema.Name, new SchemaNode(this, schema.Value));
            }
        }
    }

    /// <summary>
    /// The element a <c>$ref</c> chain ends at (the element itself when it is no reference); null when a reference is
    /// not local, points nowhere, or loops.
    /// </summary>
    public JsonElement? Resolve(JsonElement element)
    {
        for (var hops = 0; hops < 32; hops++)
        {
            if (Reference(element) is not { } reference)
            {
                return element;
            }

            if (!reference.StartsWith(ComponentsPrefix, StringComparison.Ordinal) || Lookup(reference.Substring(2)) is not { } target)
            {
                return null;
            }

            element = target;
        }

        return null;
    }

    /// <summary>The <c>$ref</c> string of an element, or null.</summary>
    public static string? Reference(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$ref", out var reference) && reference.ValueKind == JsonValueKind.String
            ? reference.GetString()
            : null;

    public static JsonElement? Member(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(name, out var value) ? value : null;

    public static string? String(JsonElement? element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static bool True(JsonElement? element, string name) => Member(element, name)?.ValueKind == JsonValueKind.True;

    public void Dispose() => _json.Dispose();

    private JsonElement? Lookup(string pointer)
    {
        JsonElement? current = Root;
        foreach (var segment in pointer.Split('/'))
        {
            current = Member(current, segment.Replace("~1", "/").Replace("~0", "~"));
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }
}
