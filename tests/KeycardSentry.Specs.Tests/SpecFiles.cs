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

    /// <summary>Sentry's 21 published tags; the generator makes an interface of each (Integration and Integrations share one).</summary>
    public static readonly string[] Tags =
    [
        "Crons", "Dashboards", "Discover", "Environments", "Events", "Explore", "Integration", "Integrations", "Mobile Builds",
        "Monitors", "Organizations", "Profiling", "Projects", "Releases", "Replays", "SCIM", "Seer", "Snapshots",
        "Spike Protection", "Teams", "Users",
    ];

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

    /// <summary>The scopes of an operation's bearer (auth_token) requirement: empty for the one operation Sentry lists none for.</summary>
    public static IReadOnlyList<string> ScopesOf(OpenApiOperation operation)
    {
        var bearer = (operation.Security ?? []).SelectMany(r => r).Where(s => s.Key.Reference.Id == "auth_token").ToList();
        return Assert.Single(bearer).Value;
    }

    public static JsonDocument ReadJson(string fullPath)
    {
        using var stream = File.OpenRead(fullPath);
        return JsonDocument.Parse(stream);
    }
}
