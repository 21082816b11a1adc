using System.Text.Json;
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
    public void Spec_has_every_published_operation_count()
    {
        Assert.Equal(223, SpecFiles.Operations().Count());
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
    public void Every_operation_names_its_bearer_scopes()
    {
        Assert.Equal(SecuritySchemeType.Http, SpecFiles.Document.Components!.SecuritySchemes!["auth_token"].Type);
        Assert.Equal("bearer", SpecFiles.Document.Components.SecuritySchemes["auth_token"].Scheme);
        var unscoped = new List<string>();
        foreach (var (path, method, operation) in SpecFiles.Operations())
        {
            var scopes = SpecFiles.ScopesOf(operation);
            Assert.All(scopes, s => Assert.Matches(ScopeName(), s));
            if (scopes.Count == 0)
            {
                unscoped.Add(operation.OperationId!);
            }
        }

        // Sentry publishes one operation with an empty scope list: any valid token may call it.
        Assert.Equal(["listSeerModels"], unscoped);
    }

    [Fact]
    public void Scope_semantics_extension_says_any_of()
    {
        var extension = Assert.IsType<JsonNodeExtension>(SpecFiles.Document.Extensions!["x-keycard-scope-semantics"]);
        Assert.Equal("any-of", extension.Node.GetValue<string>());
    }

    [Fact]
    public void Every_path_template_parameter_is_a_required_path_parameter()
    {
        foreach (var (path, method, operation) in SpecFiles.Operations())
        {
            var declared = (operation.Parameters ?? []).Where(p => p.In == ParameterLocation.Path).ToList();
            var inTemplate = PathParameter().Matches(path).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(inTemplate.Order(), declared.Select(p => p.Name!).Order());
            Assert.All(declared, p => Assert.True(p.Required, $"{method} {path}: {p.Name} not required"));
        }
    }

    [Fact]
    public void Paths_start_with_api_0()
    {
        Assert.All(SpecFiles.Document.Paths.Keys, p => Assert.StartsWith("/api/0/", p, StringComparison.Ordinal));
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
    public void Request_bodies_are_json_or_forms_and_only_on_writes()
    {
        var withBody = SpecFiles.Operations().Where(o => o.Operation.RequestBody is not null).ToList();
        Assert.Equal(66, withBody.Count);
        Assert.All(withBody, o => Assert.True(o.Operation.RequestBody!.Content!.Keys.All(k => k is "application/json" or "multipart/form-data"), $"{o.Method} {o.Path}"));
        Assert.All(withBody, o => Assert.Contains(o.Method, new[] { "post", "put", "patch", "delete" }));
    }

    [Fact]
    public void Every_operation_has_a_success_response_and_only_success_responses_carry_bodies()
    {
        foreach (var (path, method, operation) in SpecFiles.Operations())
        {
            var responses = operation.Responses!;
            Assert.Contains(responses.Keys, k => k.StartsWith('2'));
            Assert.All(responses.Where(r => !r.Key.StartsWith('2')), r => Assert.True(r.Value.Content is null or { Count: 0 }, $"{method} {path} {r.Key}"));
        }
    }

    [Theory]
    [InlineData("Organization")]
    [InlineData("Project")]
    [InlineData("ProjectSummary")]
    [InlineData("Team")]
    [InlineData("Member")]
    [InlineData("Issue")]
    [InlineData("Event")]
    [InlineData("Release")]
    [InlineData("Monitor")]
    [InlineData("MonitorCheckin")]
    [InlineData("Replay")]
    [InlineData("Dashboard")]
    [InlineData("Avatar")]
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
    public void Timestamps_are_date_time_and_nullable_references_are_wrapped()
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
        Assert.Equal("Owner", target.Reference.Id);
    }

    [Theory]
    [InlineData("Key", "public")]
    [InlineData("Release", "ref")]
    [InlineData("ProjectEvent", "event.type")]
    [InlineData("MemberFlags", "sso:linked")]
    [InlineData("Event", "_meta")]
    [InlineData("OrgRoleList", "isGlobal")]
    [InlineData("OrgRoleList", "is_global")]
    [InlineData("OwnershipSchema", "$version")]
    [InlineData("ProjectIssueStats", "24h")]
    [InlineData("SymbolSourceVariant1Password", "hidden-secret")]
    public void Awkward_json_names_are_kept_as_sent(string model, string property)
    {
        Assert.Contains(property, SpecFiles.Document.Components!.Schemas![model].Properties!.Keys);
    }

    [Fact]
    public void Every_schema_reference_resolves_and_every_schema_is_used()
    {
        var names = SpecFiles.Document.Components!.Schemas!.Keys.ToHashSet();
        var text = File.ReadAllText(SpecFiles.PathOf(SpecFiles.OpenApiFile));
        var refs = SchemaRef().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Empty(refs.Except(names));
        Assert.Empty(names.Except(refs));
    }

    [Fact]
    public void Facts_only_no_prose_or_examples_from_sentry()
    {
        // Descriptions appear only as our own words: the document's introduction and HTTP reason phrases.
        using var spec = JsonDocument.Parse(File.ReadAllText(SpecFiles.PathOf(SpecFiles.OpenApiFile)));
        var found = new List<string>();
        void Walk(JsonElement element, string pointer)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    var here = pointer + "/" + property.Name;
                    if (pointer.EndsWith("/properties", StringComparison.Ordinal))
                    {
                        // A property of a model may well be called "description" or "title": that is a name, not prose.
                        Walk(property.Value, here);
                        continue;
                    }

                    if (property.Name is "example" or "examples" or "summary" or "title" or "x-learn-more" && !here.StartsWith("/info/", StringComparison.Ordinal))
                    {
                        found.Add(here);
                    }

                    if (property.Name == "description" && here != "/info/description" && !ReasonPhrase().IsMatch(property.Value.GetString() ?? ""))
                    {
                        found.Add(here);
                    }

                    Walk(property.Value, here);
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, pointer + "/" + i++);
                }
            }
        }

        Walk(spec.RootElement, string.Empty);
        Assert.Empty(found);
    }

    [Fact]
    public void Every_operation_links_its_page_in_sentrys_api_reference()
    {
        foreach (var (path, method, operation) in SpecFiles.Operations())
        {
            Assert.Matches(ReferencePage(), operation.ExternalDocs?.Url?.ToString() ?? $"{method} {path}: none");
        }

        var organization = SpecFiles.Operations().Single(o => o.Operation.OperationId == "getOrganization").Operation;
        Assert.Equal("https://docs.sentry.io/api/organizations/retrieve-an-organization/", organization.ExternalDocs!.Url!.ToString());
    }

    [Fact]
    public void Deprecated_operations_name_their_replacement_when_sentry_does()
    {
        var deprecated = SpecFiles.Operations().Where(o => o.Operation.Deprecated).ToDictionary(o => o.Operation.OperationId!, o => o.Operation);
        Assert.Equal(["listProjectIssues", "submitUserFeedback"], deprecated.Keys.Order());
        var replacement = Assert.IsType<JsonNodeExtension>(deprecated["listProjectIssues"].Extensions!["x-keycard-replaced-by"]);
        Assert.Equal("listOrganizationIssues", replacement.Node.GetValue<string>());
        Assert.False(deprecated["submitUserFeedback"].Extensions?.ContainsKey("x-keycard-replaced-by") ?? false);
    }

    [GeneratedRegex("^[a-z][A-Za-z0-9]*$")]
    private static partial Regex CamelCase();

    [GeneratedRegex("^[a-z]+:[a-z]+$")]
    private static partial Regex ScopeName();

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex PathParameter();

    [GeneratedRegex("\"#/components/schemas/([^\"]+)\"")]
    private static partial Regex SchemaRef();

    [GeneratedRegex("^[A-Z][A-Za-z]*( [A-Z][A-Za-z]*)*$")]
    private static partial Regex ReasonPhrase();

    [GeneratedRegex("^https://docs\\.sentry\\.io/api/[a-z0-9-]+/[a-z0-9-]+/$")]
    private static partial Regex ReferencePage();
}
