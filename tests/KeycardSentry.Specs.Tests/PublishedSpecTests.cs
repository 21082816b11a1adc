using System.Text.Json;
using KeycardSentry.Testing;
using Microsoft.OpenApi;
using Xunit;

namespace KeycardSentry.Specs.Tests;

/// <summary>
/// Compares our spec with Sentry's published description in <c>../shared/sentry/openapi.json</c>, operation by
/// operation: the same operations (by method and path), the same scopes, parameters, bodies, status codes and
/// deprecation. The response models are compared field for field by the import test (ImporterTests).
/// </summary>
public sealed class PublishedSpecTests
{
    private static readonly string[] s_methods = ["get", "put", "post", "delete", "patch", "head", "options"];

    // Parsed once: the published file is large and every check below looks into it.
    private static readonly Lazy<JsonDocument> s_published = new(() => SpecFiles.ReadJson(SharedFiles.Require("sentry/openapi.json")));

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> PublishedOperations()
    {
        foreach (var path in s_published.Value.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => s_methods.Contains(o.Name)))
            {
                yield return (path.Name, operation.Name, operation.Value);
            }
        }
    }

    [Fact]
    public void Every_published_operation_is_ours_exactly_once()
    {
        var published = PublishedOperations().Select(o => $"{o.Method} {o.Path}").Order(StringComparer.Ordinal).ToList();
        var ours = SpecFiles.Operations().Select(o => $"{o.Method} {o.Path}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(223, published.Count);
        Assert.Equal(published, ours);
    }

    [Fact]
    public void Each_operation_matches_the_published_one()
    {
        var ours = SpecFiles.Operations().ToDictionary(o => $"{o.Method} {o.Path}", o => o.Operation, StringComparer.Ordinal);
        foreach (var (path, method, published) in PublishedOperations())
        {
            var key = $"{method} {path}";
            var operation = ours[key];

            // Scopes: the same list, in the published order (a scope written "org: read" reads as org:read).
            var publishedScopes = published.GetProperty("security").EnumerateArray()
                .Single(r => r.TryGetProperty("auth_token", out _)).GetProperty("auth_token").EnumerateArray().Select(s => s.GetString()!.Replace(" ", string.Empty, StringComparison.Ordinal)).ToList();
            Assert.True(publishedScopes.SequenceEqual(SpecFiles.ScopesOf(operation)), $"{key}: scopes [{string.Join(", ", SpecFiles.ScopesOf(operation))}] vs published [{string.Join(", ", publishedScopes)}]");

            // operationId: the published one, or (for an English sentence) ours with the published one beside it.
            var publishedId = published.GetProperty("operationId").GetString()!;
            if (publishedId.Contains(' ', StringComparison.Ordinal))
            {
                var original = Assert.IsType<JsonNodeExtension>(operation.Extensions!["x-sentry-operation-id"]);
                Assert.Equal(publishedId, original.Node.GetValue<string>());
            }
            else
            {
                Assert.Equal(publishedId, operation.OperationId);
            }

            Assert.Equal(published.GetProperty("tags").EnumerateArray().Select(t => t.GetString()), operation.Tags!.Select(t => t.Name));

            var publishedParameters = published.TryGetProperty("parameters", out var p)
                ? p.EnumerateArray().Select(x => (In: x.GetProperty("in").GetString()!, Name: x.GetProperty("name").GetString()!,
                    Required: x.GetProperty("in").GetString() == "path" || x.TryGetProperty("required", out var r) && r.GetBoolean())).ToList()
                : [];
            var ourParameters = (operation.Parameters ?? []).Select(x => (In: x.In.ToString()!.ToLowerInvariant(), Name: x.Name!, x.Required)).ToList();
            Assert.Equal(publishedParameters, ourParameters);

            var publishedMedia = published.TryGetProperty("requestBody", out var body)
                ? body.GetProperty("content").EnumerateObject().Select(c => c.Name).Order().ToList()
                : [];
            Assert.Equal(publishedMedia, operation.RequestBody?.Content?.Keys.Order().ToList() ?? []);

            var publishedCodes = published.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order().ToList();
            Assert.Equal(publishedCodes, operation.Responses!.Keys.Order().ToList());
            foreach (var code in publishedCodes)
            {
                var publishedJson = published.GetProperty("responses").GetProperty(code).TryGetProperty("content", out var content) && content.TryGetProperty("application/json", out _);
                Assert.Equal(publishedJson, operation.Responses[code].Content?.ContainsKey("application/json") == true);
            }

            Assert.Equal(published.TryGetProperty("deprecated", out var d) && d.GetBoolean(), operation.Deprecated);
        }
    }
}
