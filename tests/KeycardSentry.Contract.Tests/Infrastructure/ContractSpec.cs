using System.Text.Json.Nodes;

namespace KeycardSentry.Contract.Tests.Infrastructure;

/// <summary>
/// Sentry's published OpenAPI document, read with System.Text.Json: per operation (method + path template, as in
/// <c>SentryOperations.All</c>), its parameters, request body and response schemas. Local <c>$ref</c>s are followed
/// (the published document has none: every schema is inline).
/// </summary>
internal sealed class ContractSpec
{
    private readonly JsonObject _root;

    private ContractSpec(JsonObject root) => _root = root;

    public static ContractSpec Load(string path) =>
        new(JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidOperationException($"{path} is not a JSON object."));

    /// <summary>The operation object and its path item.</summary>
    public (JsonObject Operation, JsonObject PathItem) Operation(string method, string path)
    {
        var item = _root["paths"]?[path] as JsonObject ?? throw new KeyNotFoundException($"Sentry's document has no path {path}.");
        var operation = item[method.ToLowerInvariant()] as JsonObject ?? throw new KeyNotFoundException($"Sentry's document has no {method} {path}.");
        return (operation, item);
    }

    /// <summary>The parameters (operation's over the path item's), by location and name.</summary>
    public IReadOnlyDictionary<(string In, string Name), JsonObject> Parameters(string method, string path)
    {
        var (operation, item) = Operation(method, path);
        var result = new Dictionary<(string, string), JsonObject>();
        foreach (var list in new[] { item["parameters"], operation["parameters"] })
        {
            foreach (var parameter in (list as JsonArray ?? []).Select(p => Resolve(p) as JsonObject).OfType<JsonObject>())
            {
                result[((string?)parameter["in"] ?? string.Empty, (string?)parameter["name"] ?? string.Empty)] = parameter;
            }
        }

        return result;
    }

    /// <summary>The request body's media type and schema, or null when the operation takes no body.</summary>
    public (string MediaType, JsonObject Schema)? RequestBody(string method, string path)
    {
        var (operation, _) = Operation(method, path);
        if (Resolve(operation["requestBody"])?["content"] is not JsonObject content)
        {
            return null;
        }

        var (mediaType, media) = content.FirstOrDefault(c => c.Key.Contains("json", StringComparison.OrdinalIgnoreCase)) is { Value: not null } json ? json : content.First();
        return (mediaType, Resolve(media?["schema"]) as JsonObject ?? []);
    }

    /// <summary>The JSON schema of the response with <paramref name="status"/> (or the <c>2XX</c>/<c>default</c> one), or null.</summary>
    public JsonObject? ResponseSchema(string method, string path, int status)
    {
        var (operation, _) = Operation(method, path);
        var responses = operation["responses"] as JsonObject;
        var response = Resolve(responses?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] ?? responses?[$"{status / 100}XX"] ?? responses?["default"]);
        return response?["content"] is JsonObject content && content.FirstOrDefault(c => c.Key.Contains("json", StringComparison.OrdinalIgnoreCase)).Value is { } media
            ? Resolve(media["schema"]) as JsonObject
            : null;
    }

    /// <summary>Follows a local <c>$ref</c> (<c>#/components/...</c>); other nodes come back as they are.</summary>
    public JsonNode? Resolve(JsonNode? node)
    {
        for (var hops = 0; hops < 32 && node is JsonObject o && o["$ref"] is JsonValue reference && reference.TryGetValue<string>(out var pointer) && pointer.StartsWith("#/", StringComparison.Ordinal); hops++)
        {
            node = pointer[2..].Split('/').Aggregate<string, JsonNode?>(_root, (current, part) => current?[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]);
        }

        return node;
    }

    /// <summary>
    /// The schema and every schema it is made of (allOf, anyOf and oneOf members, recursively): the places a property
    /// of the merged model class can be declared.
    /// </summary>
    public IReadOnlyList<JsonObject> Members(JsonNode? schema)
    {
        var result = new List<JsonObject>();
        var pending = new Stack<JsonNode?>([schema]);
        while (pending.Count > 0 && result.Count < 256)
        {
            if (Resolve(pending.Pop()) is not JsonObject current || result.Contains(current))
            {
                continue;
            }

            result.Add(current);
            foreach (var keyword in new[] { "allOf", "anyOf", "oneOf" })
            {
                foreach (var member in (current[keyword] as JsonArray ?? []).Reverse())
                {
                    pending.Push(member);
                }
            }
        }

        return result;
    }
}
