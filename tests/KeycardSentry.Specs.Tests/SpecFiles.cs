using System.Text.Json;
using KeycardSentry.Testing;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Xunit;

namespace KeycardSentry.Specs.Tests;

/// <summary>Loads the files under <c>specs/</c> once per test run.</summary>
internal static class SpecFiles
{
    public const string OpenApiFile = "specs/sentry.openapi.json";
    public const string ScopeCatalogFile = "specs/sentry.scopes.json";

    /// <summary>The tags the generator turns into interfaces (one per tag).</summary>
    public static readonly string[] Tags = ["Organizations", "Projects", "Teams", "Members", "Issues", "Events", "Releases"];

    private static readonly Lazy<ReadResult> s_openApi = new(() =>
    {
        // Microsoft.OpenApi 3.x reads JSON without extra packages; Parse does no I/O beyond the string it is given.
        var text = File.ReadAllText(PathOf(OpenApiFile));
        return OpenApiDocument.Parse(text, OpenApiConstants.Json);
    });

    public static string PathOf(string repoRelative) => Path.Combine(SharedFiles.RepositoryRoot, repoRelative);

    public static ReadResult OpenApi => s_openApi.Value;

    public static OpenApiDocument Document =>
        OpenApi.Document ?? throw new InvalidOperationException($"{OpenApiFile} did not load: " +
            string.Join("; ", OpenApi.Diagnostic?.Errors.Select(e => $"{e.Pointer}: {e.Message}") ?? []));

    /// <summary>Every operation of our spec with its path and lower-case method.</summary>
    public static IEnumerable<(string Path, string Method, OpenApiOperation Operation)> Operations()
    {
        foreach (var (path, item) in Document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                yield return (path, method.Method.ToLowerInvariant(), operation);
            }
        }
    }

    /// <summary>The scopes of an operation's (single) bearer requirement.</summary>
    public static IReadOnlyList<string> ScopesOf(OpenApiOperation operation)
    {
        var requirement = Assert.Single(operation.Security ?? []);
        var (scheme, scopes) = Assert.Single(requirement);
        Assert.Equal("auth_token", scheme.Reference.Id);
        return scopes;
    }

    public static JsonDocument ReadJson(string fullPath)
    {
        using var stream = File.OpenRead(fullPath);
        return JsonDocument.Parse(stream);
    }
}
