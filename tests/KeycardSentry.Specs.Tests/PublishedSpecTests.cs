using System.Text.Json;
using KeycardSentry.Testing;
using Microsoft.OpenApi;
using Xunit;

namespace KeycardSentry.Specs.Tests;

/// <summary>
/// Compares our spec with Sentry's published description in <c>../shared/sentry/openapi.json</c>: every operation we
/// describe must exist there with the same scopes, the same operationId (when the published one is an identifier),
/// and a cursor exactly where Sentry paginates.
/// </summary>
public sealed class PublishedSpecTests
{
    private static readonly string[] s_methods = ["get", "put", "post", "delete", "patch", "head", "options"];

    // Parsed once: the published file is large and every check below looks into it.
    private static readonly Lazy<JsonDocument> s_published = new(() => SpecFiles.ReadJson(SharedFiles.Require("sentry/openapi.json")));

    private static JsonElement Published(string path, string method)
    {
        var paths = s_published.Value.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not in the published spec");
        Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is not in the published spec");
        return operation;
    }

    public static TheoryData<string, string> OurOperations()
    {
        var data = new TheoryData<string, string>();
        foreach (var (path, method, _) in SpecFiles.Operations())
        {
            data.Add(method, path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OurOperations))]
    public void Operation_matches_the_published_one(string method, string path)
    {
        Assert.Contains(method, s_methods);
        var published = Published(path, method);
        var ours = SpecFiles.Operations().Single(o => o.Path == path && o.Method == method).Operation;

        var publishedScopes = published.GetProperty("security").EnumerateArray().Single()
            .GetProperty("auth_token").EnumerateArray().Select(s => s.GetString()!).ToHashSet();
        Assert.True(publishedScopes.SetEquals(SpecFiles.ScopesOf(ours)),
            $"{method} {path}: ours [{string.Join(", ", SpecFiles.ScopesOf(ours))}] vs published [{string.Join(", ", publishedScopes)}]");

        var publishedId = published.GetProperty("operationId").GetString()!;
        if (!publishedId.Contains(' ', StringComparison.Ordinal))
        {
            Assert.Equal(publishedId, ours.OperationId);
        }

        var publishedParameters = published.TryGetProperty("parameters", out var p)
            ? p.EnumerateArray().Select(x => (In: x.GetProperty("in").GetString()!, Name: x.GetProperty("name").GetString()!)).ToList()
            : [];
        var ourParameters = (ours.Parameters ?? []).Select(x => (In: x.In.ToString()!.ToLowerInvariant(), Name: x.Name!)).ToList();

        Assert.Equal(publishedParameters.Contains(("query", "cursor")), ourParameters.Contains(("query", "cursor")));
        // Same parameter set (names and locations): we select operations, not parameters.
        Assert.Equal(publishedParameters.Order(), ourParameters.Order());

        Assert.Equal(published.TryGetProperty("requestBody", out _), ours.RequestBody is not null);
    }

    [Fact]
    public void Success_status_codes_match_the_published_ones()
    {
        foreach (var (path, method, ours) in SpecFiles.Operations())
        {
            var published = Published(path, method).GetProperty("responses").EnumerateObject()
                .Select(r => r.Name).Where(c => c.StartsWith('2')).Order();
            Assert.Equal(published, ours.Responses!.Keys.Where(c => c.StartsWith('2')).Order());
        }
    }

    [Fact]
    public void Response_model_fields_exist_in_the_published_responses()
    {
        // Facts only: a model may leave published fields out, never invent one. A model that serves several
        // operations may take its fields from any of their published responses (getOrganization publishes the
        // summary fields, updateOrganization the detailed ones).
        var (models, published) = ResponseModels();
        Assert.True(models.Count >= 15, $"only {models.Count} response models compared");
        foreach (var (model, schema) in models)
        {
            Assert.Empty(schema.Properties!.Keys.Where(f => !published.ContainsKey((model, f))).Select(f => $"{model}.{f}"));
        }
    }

    [Fact]
    public void Response_model_fields_are_nullable_as_published()
    {
        var (models, published) = ResponseModels();
        foreach (var (model, schema) in models)
        {
            foreach (var (field, property) in schema.Properties!)
            {
                var ours = property.Type is { } type && type.HasFlag(JsonSchemaType.Null);
                Assert.True(published[(model, field)].Contains(ours), $"{model}.{field}: nullable={ours} differs from the published schema");
            }
        }
    }

    private static bool IsNullable(JsonElement schema) =>
        (schema.TryGetProperty("nullable", out var n) && n.GetBoolean()) ||
        (schema.TryGetProperty("anyOf", out var any) && any.EnumerateArray().Any(IsNullable));

    // Our response models by name, and for each (model, field) the nullability seen in the published responses of
    // the operations that return the model.
    private static (Dictionary<string, IOpenApiSchema> Models, Dictionary<(string, string), HashSet<bool>> Published) ResponseModels()
    {
        var models = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        var published = new Dictionary<(string, string), HashSet<bool>>();
        foreach (var (path, method, ours) in SpecFiles.Operations())
        {
            foreach (var (code, response) in ours.Responses!)
            {
                if (!code.StartsWith('2') || response.Content is null)
                {
                    continue;
                }

                var schema = response.Content["application/json"].Schema!;
                var reference = Assert.IsType<OpenApiSchemaReference>(schema.Items ?? schema);
                var publishedSchema = Published(path, method).GetProperty("responses").GetProperty(code)
                    .GetProperty("content").GetProperty("application/json").GetProperty("schema");
                if (publishedSchema.TryGetProperty("items", out var items))
                {
                    publishedSchema = items;
                }

                var name = reference.Reference.Id!;
                models[name] = reference;
                foreach (var field in publishedSchema.GetProperty("properties").EnumerateObject())
                {
                    if (!published.TryGetValue((name, field.Name), out var seen))
                    {
                        published[(name, field.Name)] = seen = [];
                    }

                    seen.Add(IsNullable(field.Value));
                }
            }
        }

        return (models, published);
    }
}
