using System.Text.Json;

namespace KeycardSentry.Testing.Internal.Sentry;

/// <summary>
/// Sentry's scope hierarchy as the stand-in enforces it. Deliberately independent of the runtime's scope math: the
/// stand-in plays Sentry, so a client-side mistake must meet a server that gets it right on its own.
/// </summary>
internal sealed class ScopeCatalog
{
    /// <summary>The resource Keycard issues Sentry tokens for, when the catalog names none.</summary>
    public const string DefaultResource = "https://sentry.io/api/0";

    private readonly Dictionary<string, string[]> _implies;

    private ScopeCatalog(string resource, Dictionary<string, string[]> implies)
    {
        Resource = resource;
        _implies = implies;
    }

    public string Resource { get; }

    /// <summary>
    /// Reads our catalog (<c>{"resource":..,"scopes":{"org:admin":{"implies":[..]}}}</c>) or Sentry's hierarchy file
    /// (<c>{"implies":{"org:admin":[..]}}</c>).
    /// </summary>
    public static ScopeCatalog Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, "the root is not an object");
        }

        var implies = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (root.TryGetProperty("scopes", out var scopes) && scopes.ValueKind == JsonValueKind.Object)
        {
            foreach (var scope in scopes.EnumerateObject())
            {
                implies[scope.Name] = scope.Value.ValueKind == JsonValueKind.Object && scope.Value.TryGetProperty("implies", out var list)
                    ? Strings(path, scope.Name, list)
                    : throw Invalid(path, $"scope '{scope.Name}' has no 'implies' list");
            }
        }
        else if (root.TryGetProperty("implies", out var hierarchy) && hierarchy.ValueKind == JsonValueKind.Object)
        {
            foreach (var scope in hierarchy.EnumerateObject())
            {
                implies[scope.Name] = Strings(path, scope.Name, scope.Value);
            }
        }
        else
        {
            throw Invalid(path, "it has neither 'scopes' nor 'implies'");
        }

        var resource = root.TryGetProperty("resource", out var r) && r.ValueKind == JsonValueKind.String && r.GetString() is { Length: > 0 } named
            ? named
            : DefaultResource;
        return new ScopeCatalog(resource, implies);
    }

    /// <summary>Every scope a token holding <paramref name="granted"/> has (a scope the catalog does not know implies only itself).</summary>
    public HashSet<string> Expand(IEnumerable<string> granted)
    {
        var expanded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scope in granted)
        {
            expanded.Add(scope);
            if (_implies.TryGetValue(scope, out var implied))
            {
                expanded.UnionWith(implied);
            }
        }

        return expanded;
    }

    /// <summary>Sentry's rule: any one listed scope suffices, after expansion; an empty list admits every valid token.</summary>
    public bool Allows(IReadOnlyList<string> anyOf, IEnumerable<string> granted)
    {
        if (anyOf.Count == 0)
        {
            return true;
        }

        var expanded = Expand(granted);
        return anyOf.Any(expanded.Contains);
    }

    private static string[] Strings(string path, string scope, JsonElement list) =>
        list.ValueKind == JsonValueKind.Array && list.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? [.. list.EnumerateArray().Select(e => e.GetString()!)]
            : throw Invalid(path, $"the scopes implied by '{scope}' are not a list of strings");

    private static InvalidOperationException Invalid(string path, string why) =>
        new($"The scope catalog {path} cannot be read: {why}. Point LocalSentryApiOptions.ScopeCatalogPath at a file like specs/sentry.scopes.json.");
}
