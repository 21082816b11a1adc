using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using KeycardSentry.Generator.Diagnostics;
using KeycardSentry.Generator.Model;

namespace KeycardSentry.Generator.Parsing;

/// <summary>
/// Reads a scope catalog. Accepted shape (every member optional; alternative spellings in brackets):
/// <code>
/// {
///   "resource": "https://sentry.io/api/0",
///   "defaultGrant": ["event:read", "project:read", "org:read"],          [default_grant, defaultScopes]
///   "regions": { "us": "https://us.sentry.io", "de": "https://de.sentry.io" },   [or [{ "name", "baseUrl" | "url" }]]
///   "scopes": { "org:admin": { "implies": ["org:admin", "org:write", ...], "description": "..." } },
///                                                                        [or [{ "name", "implies", "description" }]]
///   "implies": { "org:admin": ["org:admin", "org:write", ...] }          [hierarchy]
/// }
/// </code>
/// A scope always implies itself.
/// </summary>
internal static class CatalogParser
{
    public static ScopeCatalogSpec? Parse(string path, string text, List<DiagnosticInfo> diagnostics)
    {
        var locator = new SpecLocator(path, text);
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableSpec, locator.File, $"Scope catalog '{path}' is not a JSON object"));
                return null;
            }

            var resource = String(root, "resource") ?? string.Empty;
            var defaultGrant = Strings(root, "defaultGrant", "default_grant", "defaultScopes", "default_scopes");
            var scopes = new Dictionary<string, (List<string> Implies, string? Description)>(StringComparer.Ordinal);
            var order = new List<string>();

            void AddScope(string name, IEnumerable<string> implies, string? description)
            {
                name = name.Trim();
                if (name.Length == 0)
                {
                    return;
                }

                if (!scopes.TryGetValue(name, out var entry))
                {
                    entry = (new List<string> { name }, description);
                    scopes[name] = entry;
                    order.Add(name);
                }
                else if (description is not null && entry.Description is null)
                {
                    scopes[name] = entry = (entry.Implies, description);
                }

                foreach (var implied in implies.Select(i => i.Trim()).Where(i => i.Length > 0 && !entry.Implies.Contains(i)))
                {
                    entry.Implies.Add(implied);
                }
            }

            if (Member(root, "scopes") is { } scopesElement)
            {
                if (scopesElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in scopesElement.EnumerateObject())
                    {
                        var value = property.Value;
                        AddScope(
                            property.Name,
                            value.ValueKind == JsonValueKind.Array ? StringArray(value) : Strings(value, "implies", "includes"),
                            value.ValueKind == JsonValueKind.Object ? String(value, "description") : null);
                    }
                }
                else if (scopesElement.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in scopesElement.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.String)
                        {
                            AddScope(item.GetString()!, Array.Empty<string>(), null);
                        }
                        else if (item.ValueKind == JsonValueKind.Object && (String(item, "name") ?? String(item, "scope")) is { } name)
                        {
                            AddScope(name, Strings(item, "implies", "includes"), String(item, "description"));
                        }
                    }
                }
            }

            if ((Member(root, "implies") ?? Member(root, "hierarchy")) is { ValueKind: JsonValueKind.Object } implies)
            {
                foreach (var property in implies.EnumerateObject())
                {
                    AddScope(property.Name, StringArray(property.Value), null);
                }
            }

            // A scope named only as implied or as granted still gets a constant.
            foreach (var implied in scopes.Values.SelectMany(v => v.Implies).Concat(defaultGrant).ToList())
            {
                AddScope(implied, Array.Empty<string>(), null);
            }

            var regions = new List<RegionSpec>();
            var takenRegionNames = new HashSet<string>(StringComparer.Ordinal) { "All" };
            if (Member(root, "regions") is { } regionsElement)
            {
                if (regionsElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in regionsElement.EnumerateObject())
                    {
                        var url = property.Value.ValueKind == JsonValueKind.String
                            ? property.Value.GetString()
                            : String(property.Value, "baseUrl") ?? String(property.Value, "url") ?? String(property.Value, "base_url");
                        if (url is not null)
                        {
                            regions.Add(new RegionSpec(property.Name, Naming.Unique(Naming.Pascal(property.Name), takenRegionNames), url));
                        }
                    }
                }
                else if (regionsElement.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in regionsElement.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
                    {
                        var name = String(item, "name") ?? String(item, "id");
                        var url = String(item, "baseUrl") ?? String(item, "url") ?? String(item, "base_url");
                        if (name is not null && url is not null)
                        {
                            regions.Add(new RegionSpec(name, Naming.Unique(Naming.Pascal(name), takenRegionNames), url));
                        }
                    }
                }
            }

            var taken = new HashSet<string>(StringComparer.Ordinal) { "Resource", "DefaultGrant", "Implications", "All", "Regions", "Descriptions" };
            var scopeSpecs = order
                .Select(name => new ScopeSpec(
                    name,
                    Naming.Unique(Naming.Pascal(name), taken),
                    scopes[name].Implies.ToEquatableArray(),
                    scopes[name].Description))
                .ToEquatableArray();
            return new ScopeCatalogSpec(resource, defaultGrant.ToEquatableArray(), scopeSpecs, regions.ToEquatableArray());
        }
        catch (JsonException ex)
        {
            var index = SpecLocator.IndexOf(text, ex);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableSpec, locator.At(index, 0), $"Scope catalog '{path}' is not valid JSON: {ex.Message}"));
            return null;
        }
    }

    private static JsonElement? Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;

    private static string? String(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static List<string> Strings(JsonElement element, params string[] names)
    {
        foreach (var name in names)
        {
            if (Member(element, name) is { } value)
            {
                return value.ValueKind == JsonValueKind.String
                    ? ScopeText.Split(value.GetString()).ToList()
                    : StringArray(value);
            }
        }

        return new List<string>();
    }

    private static List<string> StringArray(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : new List<string>();
}
