using System.Text.RegularExpressions;
using Microsoft.OpenApi;
using Xunit;

namespace KeycardSentry.Specs.Tests;

/// <summary>Checks of <c>specs/sentry.openapi.json</c> on its own.</summary>
public sealed partial class OpenApiSpecTests
{
    [Fact]
    public void Spec_loads_with_no_errors()
    {
        var result = SpecFiles.OpenApi;
        Assert.NotNull(result.Document);
        Assert.NotNull(result.Diagnostic);
        Assert.Empty(result.Diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Equal(OpenApiSpecVersion.OpenApi3_0, result.Diagnostic.SpecificationVersion);
    }

    [Fact]
    public void Spec_passes_the_default_validation_rules()
    {
        var errors = SpecFiles.Document.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? [];
        Assert.Empty(errors.Select(e => $"{e.Pointer}: {e.Message}"));
    }

    [Fact]
    public void Spec_has_at_least_forty_operations()
    {
        Assert.True(SpecFiles.Operations().Count() >= 40, $"only {SpecFiles.Operations().Count()} operations");
    }

    [Fact]
    public void Servers_are_the_two_regions()
    {
        Assert.Equal(["https://us.sentry.io", "https://de.sentry.io"], SpecFiles.Document.Servers!.Select(s => s.Url));
    }

    [Fact]
    public void Every_operation_has_exactly_one_known_tag()
    {
        foreach (var (path, method, operation) in SpecFiles.Operations())
        {
            var tag = Assert.Single(operation.Tags ?? new HashSet<OpenApiTagReference>());
            Assert.True(SpecFiles.Tags.Contains(tag.Name), $"{method} {path}: unknown tag '{tag.Name}'");
        }
    }

    [Fact]
    public void Every_tag_is_used()
    {
        var used = SpecFiles.Operations().SelectMany(o => o.Operation.Tags!).Select(t => t.Name).ToHashSet();
        Assert.Equal(SpecFiles.Tags.Order(), used.Order()!);
    }

    [Fact]
    public void OperationIds_are_unique_camelCase_identifiers()
    {
        var ids = SpecFiles.Operations().Select(o => o.Operation.OperationId).ToList();
        Assert.All(ids, id => Assert.Matches(CamelCase(), id ?? ""));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_operation_requires_a_known_bearer_scope()
    {
        Assert.Equal(SecuritySchemeType.Http, SpecFiles.Document.Components!.SecuritySchemes!["auth_token"].Type);
        Assert.Equal("bearer", SpecFiles.Document.Components.SecuritySchemes["auth_token"].Scheme);
        foreach (var (path, method, operation) in SpecFiles.Operations())
        {
            var scopes = SpecFiles.ScopesOf(operation);
            Assert.True(scopes.Count > 0, $"{method} {path} lists no scope");
            Assert.All(scopes, s => Assert.Matches(ScopeName(), s));
        }
    }

    [Fact]
    public void Scope_semantics_extension_says_any_of()
    {
        var extension = Assert.IsType<JsonNodeExtension>(SpecFiles.Document.Extensions!["x-keycard-scope-semantics"]);
        Assert.Equal("any-of", extension.Node.GetValue<string>());
    }

    [Fact]
    public void Every_path_template_parameter_is_a_required_string_path_parameter()
    {
        foreach (var (path, method, operation) in SpecFiles.Operations())
        {
            var declared = (operation.Parameters ?? []).Where(p => p.In == ParameterLocation.Path).ToList();
            var inTemplate = PathParameter().Matches(path).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(inTemplate.Order(), declared.Select(p => p.Name!).Order());
            Assert.All(declared, p =>
            {
                Assert.True(p.Required, $"{method} {path}: {p.Name} not required");
                Assert.Equal(JsonSchemaType.String, p.Schema!.Type);
            });
        }
    }

    [Fact]
    public void Paths_start_with_api_0_and_end_with_a_slash()
    {
        Assert.All(SpecFiles.Document.Paths.Keys, p =>
        {
            Assert.StartsWith("/api/0/", p, StringComparison.Ordinal);
            Assert.EndsWith("/", p, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Array_query_parameters_are_exploded_form_parameters()
    {
        var arrays = SpecFiles.Operations()
            .SelectMany(o => o.Operation.Parameters ?? [])
            .Where(p => p.Schema?.Type == JsonSchemaType.Array)
            .ToList();
        Assert.NotEmpty(arrays);
        Assert.All(arrays, p =>
        {
            Assert.Equal(ParameterLocation.Query, p.In);
            Assert.Equal(ParameterStyle.Form, p.Style);
            Assert.True(p.Explode);
            Assert.NotNull(p.Schema!.Items);
        });
    }

    [Fact]
    public void Write_operations_send_json_bodies()
    {
        var writes = SpecFiles.Operations().Where(o => o.Method is "post" or "put").ToList();
        var withBody = writes.Where(o => o.Operation.RequestBody is not null).ToList();
        Assert.True(withBody.Count >= 10, $"{withBody.Count} write operations with a body");
        Assert.All(withBody, o => Assert.Contains("application/json", o.Operation.RequestBody!.Content!.Keys));
        Assert.All(SpecFiles.Operations().Where(o => o.Method is "get" or "delete"), o => Assert.Null(o.Operation.RequestBody));
    }

    [Fact]
    public void Every_operation_has_a_success_response_and_typed_errors()
    {
        foreach (var (path, method, operation) in SpecFiles.Operations())
        {
            var responses = operation.Responses!;
            Assert.Contains(responses.Keys, k => k.StartsWith('2'));
            foreach (var code in new[] { "401", "403", "404" })
            {
                var schema = responses[code].Content!["application/json"].Schema;
                Assert.True(schema is OpenApiSchemaReference { Reference.Id: "Error" }, $"{method} {path} {code}");
            }
        }
    }

    [Theory]
    [InlineData("Organization")]
    [InlineData("OrganizationSummary")]
    [InlineData("Project")]
    [InlineData("Team")]
    [InlineData("Member")]
    [InlineData("Issue")]
    [InlineData("Event")]
    [InlineData("Release")]
    [InlineData("ReleaseProject")]
    [InlineData("Avatar")]
    [InlineData("Actor")]
    public void Resource_models_exist_and_keep_unknown_fields(string name)
    {
        var schema = SpecFiles.Document.Components!.Schemas![name];
        Assert.Equal(JsonSchemaType.Object, schema.Type);
        Assert.NotEmpty(schema.Properties!);
        // Unset or true: the generator keeps unknown JSON members in an extension-data dictionary.
        Assert.True(schema.AdditionalPropertiesAllowed);
        Assert.Null(schema.AdditionalProperties);
    }

    [Fact]
    public void Timestamps_are_date_time_and_nullable_fields_are_marked()
    {
        var issue = SpecFiles.Document.Components!.Schemas!["Issue"];
        var firstSeen = issue.Properties!["firstSeen"];
        Assert.Equal("date-time", firstSeen.Format);
        Assert.True(firstSeen.Type!.Value.HasFlag(JsonSchemaType.String));
        Assert.True(firstSeen.Type!.Value.HasFlag(JsonSchemaType.Null));
        Assert.False(issue.Properties["shortId"].Type!.Value.HasFlag(JsonSchemaType.Null));

        // A nullable reference is written {type: object, nullable: true, allOf: [$ref]}: Microsoft.OpenApi drops a
        // 3.0 "nullable" that has no "type" beside it.
        var assignedTo = issue.Properties["assignedTo"];
        Assert.Equal(JsonSchemaType.Object | JsonSchemaType.Null, assignedTo.Type);
        var target = Assert.IsType<OpenApiSchemaReference>(Assert.Single(assignedTo.AllOf!));
        Assert.Equal("Actor", target.Reference.Id);
    }

    [Theory]
    [InlineData("ProjectKey", "public")]
    [InlineData("Release", "ref")]
    [InlineData("EventSummary", "event.type")]
    [InlineData("MemberFlags", "sso:linked")]
    [InlineData("Event", "_meta")]
    public void Awkward_json_names_are_kept_as_sent(string model, string property)
    {
        Assert.Contains(property, SpecFiles.Document.Components!.Schemas![model].Properties!.Keys);
    }

    [Fact]
    public void Every_schema_reference_resolves()
    {
        var names = SpecFiles.Document.Components!.Schemas!.Keys.ToHashSet();
        var text = File.ReadAllText(SpecFiles.PathOf(SpecFiles.OpenApiFile));
        var refs = SchemaRef().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Empty(refs.Except(names));
        Assert.Empty(names.Except(refs).Except(["Error"])); // no dead models
    }

    [GeneratedRegex("^[a-z][A-Za-z0-9]*$")]
    private static partial Regex CamelCase();

    [GeneratedRegex("^[a-z]+:[a-z]+$")]
    private static partial Regex ScopeName();

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex PathParameter();

    [GeneratedRegex("\"#/components/schemas/([^\"]+)\"")]
    private static partial Regex SchemaRef();
}
