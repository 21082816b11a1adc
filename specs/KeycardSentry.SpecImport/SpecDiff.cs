using System.Text.Json.Nodes;

namespace KeycardSentry.SpecImport;

/// <summary>
/// What changed between two published documents, for a maintainer about to update the SDK: operations added or
/// removed (matched by method and path), and for the others their operationId, scopes, parameters, request body,
/// success status codes and deprecation. One line per change, ordered by operation.
/// </summary>
public static class SpecDiff
{
    public static IReadOnlyList<string> Compare(string oldPublished, string newPublished)
    {
        var before = PublishedDocument.Parse(oldPublished).Operations.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var after = PublishedDocument.Parse(newPublished).Operations.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var changes = new List<string>();
        foreach (var key in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            if (!after.TryGetValue(key, out var added))
            {
                changes.Add($"- {key} ({before[key].OperationId}): removed");
                continue;
            }

            if (!before.TryGetValue(key, out var removed))
            {
                changes.Add($"+ {key} ({added.OperationId}): added, scopes [{string.Join(", ", Scopes(added))}]");
                continue;
            }

            changes.AddRange(Changes(removed, added).Select(c => $"~ {key} ({added.OperationId}): {c}"));
        }

        return changes;
    }

    private static IEnumerable<string> Changes(PublishedOperation old, PublishedOperation now)
    {
        if (old.OperationId != now.OperationId)
        {
            yield return $"operationId {old.OperationId} → {now.OperationId}";
        }

        var (oldScopes, newScopes) = (Scopes(old), Scopes(now));
        if (!oldScopes.SequenceEqual(newScopes))
        {
            yield return $"scopes [{string.Join(", ", oldScopes)}] → [{string.Join(", ", newScopes)}]" +
                Delta(newScopes.Except(oldScopes), oldScopes.Except(newScopes));
        }

        var (oldParameters, newParameters) = (Parameters(old), Parameters(now));
        foreach (var name in oldParameters.Keys.Union(newParameters.Keys).Order(StringComparer.Ordinal))
        {
            var had = oldParameters.TryGetValue(name, out var was);
            var has = newParameters.TryGetValue(name, out var @is);
            if (!had)
            {
                yield return $"parameter {name} added ({@is})";
            }
            else if (!has)
            {
                yield return $"parameter {name} removed";
            }
            else if (was != @is)
            {
                yield return $"parameter {name}: {was} → {@is}";
            }
        }

        var (oldBody, newBody) = (Body(old), Body(now));
        if (oldBody != newBody)
        {
            yield return $"request body {oldBody} → {newBody}";
        }

        var (oldCodes, newCodes) = (SuccessCodes(old), SuccessCodes(now));
        if (oldCodes != newCodes)
        {
            yield return $"success responses {oldCodes} → {newCodes}";
        }

        if (Deprecated(old) != Deprecated(now))
        {
            yield return Deprecated(now) ? "now deprecated" : "no longer deprecated";
        }
    }

    private static string Delta(IEnumerable<string> added, IEnumerable<string> removed)
    {
        var parts = added.Select(s => "+" + s).Concat(removed.Select(s => "-" + s)).ToList();
        return parts.Count == 0 ? string.Empty : " (" + string.Join(", ", parts) + ")";
    }

    private static List<string> Scopes(PublishedOperation operation) =>
        (operation.Node["security"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .SelectMany(r => r.SelectMany(s => (s.Value as JsonArray ?? []).Select(x => x!.GetValue<string>().Replace(" ", string.Empty, StringComparison.Ordinal))))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>"in:name" → "required string" / "optional array of integer".</summary>
    private static Dictionary<string, string> Parameters(PublishedOperation operation) =>
        (operation.Node["parameters"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .GroupBy(p => $"{p["in"]?.GetValue<string>()}:{p["name"]?.GetValue<string>()}", StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (g.First()["required"]?.GetValue<bool>() == true ? "required " : "optional ") + TypeOf(g.First()["schema"]),
                StringComparer.Ordinal);

    private static string TypeOf(JsonNode? schema)
    {
        if (schema?["anyOf"] is JsonArray any || schema?["oneOf"] is JsonArray one && (any = one) is not null)
        {
            return string.Join(" or ", any.Select(TypeOf).Distinct());
        }

        var type = schema?["type"]?.GetValue<string>() ?? "any";
        var format = schema?["format"]?.GetValue<string>() is { } f ? $" ({f})" : string.Empty;
        return type == "array" ? "array of " + TypeOf(schema?["items"]) : type + format;
    }

    private static string Body(PublishedOperation operation) =>
        operation.Node["requestBody"]?["content"] is JsonObject content
            ? string.Join(", ", content.Select(c => c.Key).Order(StringComparer.Ordinal))
            : "none";

    private static string SuccessCodes(PublishedOperation operation) =>
        string.Join(", ", (operation.Node["responses"] as JsonObject ?? []).Select(r => r.Key).Where(k => k.StartsWith('2')).Order(StringComparer.Ordinal));

    private static bool Deprecated(PublishedOperation operation) => operation.Node["deprecated"]?.GetValue<bool>() == true;
}
