using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace KeycardSentry.Testing.Tests.Infrastructure;

/// <summary>
/// Facts read straight from a spec and the catalog with Microsoft.OpenApi and System.Text.Json, apart from the
/// stand-in's own reading, so the tests check the stand-in against the files rather than against itself.
/// </summary>
internal sealed class SpecFacts
{
    private static readonly ConcurrentDictionary<string, Lazy<SpecFacts>> s_cache = new(StringComparer.Ordinal);

    private SpecFacts(string specPath)
    {
        SpecPath = specPath;
        var result = OpenApiDocument.Parse(File.ReadAllText(specPath), OpenApiConstants.Json, new OpenApiReaderSettings());
        Document = result.Document ?? throw new InvalidOperationException($"{specPath} does not load");
        Operations = [.. Document.Paths.SelectMany(p => (p.Value.Operations ?? []).Select(o => (Path: p.Key, Method: o.Key.Method.ToUpperInvariant(), Operation: o.Value)))];
        Tags = [.. Operations.Select(o => o.Operation.Tags?.FirstOrDefault()?.Name ?? "(none)").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public static string RepositorySpec => Path.Combine(SharedFiles.RepositoryRoot, LocalSentryApiOptions.DefaultSpecFile);

    public static string RepositoryCatalog => Path.Combine(SharedFiles.RepositoryRoot, LocalSentryApiOptions.DefaultScopeCatalogFile);

    public static SpecFacts Repository => For(RepositorySpec);

    /// <summary>Every scope of the repository catalog and the scopes it implies.</summary>
    public static IReadOnlyDictionary<string, string[]> Implications { get; } = ReadCatalog();

    public string SpecPath { get; }

    public OpenApiDocument Document { get; }

    public IReadOnlyList<(string Path, string Method, OpenApiOperation Operation)> Operations { get; }

    public IReadOnlyList<string> Tags { get; }

    public static SpecFacts For(string specPath) => s_cache.GetOrAdd(Path.GetFullPath(specPath), p => new Lazy<SpecFacts>(() => new SpecFacts(p))).Value;

    public static HashSet<string> Expand(params string[] scopes) =>
        [.. scopes.SelectMany(s => Implications.TryGetValue(s, out var implied) ? implied.Append(s) : [s])];

    private static Dictionary<string, string[]> ReadCatalog()
    {
        using var catalog = JsonDocument.Parse(File.ReadAllBytes(RepositoryCatalog));
        return catalog.RootElement.GetProperty("scopes").EnumerateObject()
            .ToDictionary(s => s.Name, s => s.Value.GetProperty("implies").EnumerateArray().Select(e => e.GetString()!).ToArray(), StringComparer.Ordinal);
    }
}
