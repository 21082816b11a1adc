using System.Text.Json.Nodes;

namespace KeycardSentry.SpecImport;

/// <summary>
/// Writes the scope catalog: Keycard's resource and default grant for Sentry, the regions, and every scope with the
/// full, sorted set it implies (itself included), from Sentry's scope hierarchy plus any scope an operation names.
/// </summary>
internal static class CatalogBuilder
{
    /// <summary>The RFC 8707 resource Keycard issues Sentry tokens for (../shared/keycard/README.md).</summary>
    public const string KeycardResource = "https://sentry.io/api/0";

    /// <summary>The scopes Keycard's console grants Sentry by default (../shared/keycard/README.md).</summary>
    public static readonly string[] KeycardDefaultGrant = ["event:read", "project:read", "org:read"];

    public static JsonObject Build(string scopeHierarchy, IReadOnlyList<(string Name, string Url)> regions, IEnumerable<string> usedScopes, List<string> notes)
    {
        var hierarchy = JsonNode.Parse(scopeHierarchy)?["implies"] as JsonObject
            ?? throw new ImportException("The scope hierarchy has no 'implies' object.");
        var scopes = new JsonObject();
        foreach (var (scope, implied) in hierarchy)
        {
            var set = (implied as JsonArray ?? []).Select(s => s!.GetValue<string>()).Append(scope).Distinct().Order(StringComparer.Ordinal);
            scopes[scope] = new JsonObject { ["implies"] = Strings(set) };
        }

        foreach (var scope in usedScopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Where(s => !scopes.ContainsKey(s)))
        {
            notes.Add($"Scope '{scope}' is named by an operation but not by the hierarchy; it implies only itself.");
            scopes[scope] = new JsonObject { ["implies"] = Strings([scope]) };
        }

        return new JsonObject
        {
            ["$comment"] = "Written by specs/KeycardSentry.SpecImport. Every Sentry API scope and every scope a token holding it has " +
                "(itself included). An operation's scope list is any-of: it may be called when the expanded grant contains one of them.",
            ["resource"] = KeycardResource,
            ["regions"] = new JsonObject(regions.Select(r => KeyValuePair.Create(r.Name, (JsonNode?)JsonValue.Create(r.Url)))),
            ["defaultGrant"] = Strings(KeycardDefaultGrant),
            ["scopes"] = scopes,
        };
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
