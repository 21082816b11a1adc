using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KeycardSentry.SpecImport;

/// <summary>One operation of a published document, with the names we give it.</summary>
/// <param name="Method">Lower-case HTTP method.</param>
/// <param name="Path">The path template.</param>
/// <param name="Node">The published operation object (local <c>$ref</c>s already inlined).</param>
/// <param name="PublishedId">The published operationId (sometimes an English sentence).</param>
/// <param name="OperationId">Ours: the published one when it is an identifier, else one derived from it.</param>
/// <param name="DocumentationUrl">The operation's page in Sentry's API reference.</param>
internal sealed record PublishedOperation(string Method, string Path, JsonObject Node, string PublishedId, string OperationId, string DocumentationUrl)
{
    /// <summary>"GET /api/0/organizations/{organization_id_or_slug}/": what identifies an operation across versions.</summary>
    public string Key => Method.ToUpperInvariant() + " " + Path;

    public IReadOnlyList<string> Tags => Node["tags"] is JsonArray tags ? tags.Select(t => t?.GetValue<string>() ?? string.Empty).ToList() : [];
}

/// <summary>
/// A published OpenAPI 3.0 document (Sentry's <c>openapi-derefed.json</c>): its operations, its regions and its bytes'
/// SHA-256. Local <c>#/components/...</c> references are inlined, so a referenced copy reads like Sentry's derefed one.
/// </summary>
internal sealed partial class PublishedDocument
{
    public static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    private PublishedDocument(JsonObject root, string sha256, List<PublishedOperation> operations)
    {
        Root = root;
        Sha256 = sha256;
        Operations = operations;
    }

    public JsonObject Root { get; }

    public string Sha256 { get; }

    /// <summary>The operations, ordered by path then method (the document's own order plays no part).</summary>
    public IReadOnlyList<PublishedOperation> Operations { get; }

    public string Version => Root["info"]?["version"]?.GetValue<string>() ?? "unknown";

    public static PublishedDocument Parse(string text)
    {
        var root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }) as JsonObject
            ?? throw new ImportException("The published document is not a JSON object.");
        if (root["paths"] is not JsonObject paths)
        {
            throw new ImportException("The published document has no 'paths' object.");
        }

        var components = root["components"] as JsonObject;
        var found = new List<(string Method, string Path, JsonObject Node)>();
        foreach (var (path, item) in paths)
        {
            foreach (var method in Methods)
            {
                if (item?[method] is JsonObject operation)
                {
                    found.Add((method, path, (JsonObject)Inline(operation, components, 0)!));
                }
            }
        }

        var ordered = found.OrderBy(o => o.Path, StringComparer.Ordinal).ThenBy(o => Array.IndexOf(Methods, o.Method)).ToList();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var operations = new List<PublishedOperation>();
        foreach (var (method, path, node) in ordered)
        {
            var publishedId = node["operationId"]?.GetValue<string>() ?? (method + " " + path);
            var id = OperationNames.Identifier(publishedId);
            for (var i = 2; !taken.Add(id); i++)
            {
                id = OperationNames.Identifier(publishedId) + i;
            }

            var tag = node["tags"]?[0]?.GetValue<string>() ?? "default";
            var title = node["summary"]?.GetValue<string>() ?? publishedId;
            operations.Add(new PublishedOperation(method, path, node, publishedId, id, $"https://docs.sentry.io/api/{Words.Slug(tag)}/{Words.Slug(title)}/"));
        }

        return new PublishedDocument(root, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), operations);
    }

    /// <summary>
    /// Regions from the server template <c>https://{region}.sentry.io</c> and its enum (us, de); else each server URL as is.
    /// </summary>
    public IReadOnlyList<(string Name, string Url)> Regions()
    {
        var regions = new List<(string, string)>();
        foreach (var server in Root["servers"] as JsonArray ?? [])
        {
            var url = server?["url"]?.GetValue<string>();
            if (url is null)
            {
                continue;
            }

            if (server!["variables"]?["region"]?["enum"] is JsonArray values && url.Contains("{region}", StringComparison.Ordinal))
            {
                regions.AddRange(values.Select(v => v!.GetValue<string>()).Select(v => (v, url.Replace("{region}", v, StringComparison.Ordinal))));
            }
            else
            {
                regions.Add((Words.Slug(new Uri(url).Host.Split('.')[0]), url.TrimEnd('/')));
            }
        }

        return regions;
    }

    /// <summary>
    /// The operation a deprecated one points to: its description links one page of the API reference
    /// (<c>(/api/events/list-an-organizations-issues/)</c>), and that page is another operation's.
    /// </summary>
    public string? ReplacementOf(PublishedOperation deprecated)
    {
        var description = deprecated.Node["description"]?.GetValue<string>() ?? string.Empty;
        var linked = ApiReferenceLink().Matches(description).Select(m => "https://docs.sentry.io" + m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var targets = Operations.Where(o => o != deprecated && linked.Contains(o.DocumentationUrl)).Select(o => o.OperationId).Distinct().ToList();
        return targets.Count == 1 ? targets[0] : null;
    }

    private static JsonNode? Inline(JsonNode? node, JsonObject? components, int depth)
    {
        if (depth > 64)
        {
            throw new ImportException("The published document nests $ref deeper than 64 levels (a reference cycle?); the importer reads inlined documents.");
        }

        switch (node)
        {
            case JsonObject obj when obj["$ref"]?.GetValue<string>() is { } reference:
                var target = Resolve(reference, components) ?? throw new ImportException($"Reference '{reference}' does not resolve.");
                return Inline(target, components, depth + 1);
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    copy[key] = Inline(value, components, depth + 1);
                }

                return copy;
            case JsonArray array:
                return new JsonArray(array.Select(item => Inline(item, components, depth + 1)).ToArray());
            default:
                return node?.DeepClone();
        }
    }

    private static JsonNode? Resolve(string reference, JsonObject? components)
    {
        const string prefix = "#/components/";
        if (!reference.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        JsonNode? node = components;
        foreach (var segment in reference[prefix.Length..].Split('/'))
        {
            node = node?[segment.Replace("~1", "/").Replace("~0", "~")];
        }

        return node;
    }

    [GeneratedRegex(@"(?:https://docs\.sentry\.io)?(/api/[a-z0-9-]+/[a-z0-9-]+/)")]
    private static partial Regex ApiReferenceLink();
}

/// <summary>A published document the importer cannot read; the message says what is wrong with it.</summary>
internal sealed class ImportException(string message) : Exception(message);
