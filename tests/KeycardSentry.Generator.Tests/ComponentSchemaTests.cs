using KeycardSentry.Generator.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace KeycardSentry.Generator.Tests;

/// <summary>
/// Component schemas keep their names: a <c>$ref</c> to X (plain or wrapped as a nullable allOf) is X, an inline copy
/// of X is X, and no derived name from the first place a shape was met can take X's place.
/// </summary>
public sealed class ComponentSchemaTests
{
    private const string Models = "KeycardSentry.Sentry.Models.";

    private static readonly Lazy<(GeneratorDriverRunResult Result, Compilation Output, IReadOnlyList<Diagnostic> Diagnostics)> RepositorySpec = new(() =>
    {
        var (_, result, output, diagnostics) = GeneratorHarness.Run(TestSpecs.RepositoryFiles());
        return (result, output, diagnostics);
    });

    [Fact]
    public void RepositorySpecOperationsReturnTheirComponentTypes()
    {
        var returns = ReturnTypes(RepositorySpec.Value.Result, RepositorySpec.Value.Output);
        var log = TestContext.Current.TestOutputHelper;
        foreach (var (method, type) in returns.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            log?.WriteLine($"{method} -> {type}");
        }

        Assert.Equal(223, returns.Count);
        Assert.Equal("Task<Organization>", returns["ISentryOrganizationsApi.GetOrganizationAsync"]);
        Assert.Equal("Task<OrganizationWithProjectsAndTeams>", returns["ISentryOrganizationsApi.UpdateOrganizationAsync"]);
        Assert.Equal("Task<ApiResponse<List<Organization>>>", returns["ISentryUsersApi.ListOrganizationsAsync"]);
        Assert.Equal("Task<ApiResponse<List<ProjectSummary>>>", returns["ISentryOrganizationsApi.ListOrganizationProjectsAsync"]);
        Assert.Equal("Task<Team>", returns["ISentryTeamsApi.GetTeamAsync"]);
        Assert.Equal("Task<Project>", returns["ISentryProjectsApi.GetProjectAsync"]);
        Assert.Equal("Task<Member>", returns["ISentryOrganizationsApi.GetOrganizationMemberAsync"]);
        Assert.Equal("Task<Issue>", returns["ISentryEventsApi.GetOrganizationIssueAsync"]);
        Assert.Equal("Task<Event>", returns["ISentryEventsApi.GetProjectEventAsync"]);
        Assert.Equal("Task<Monitor>", returns["ISentryCronsApi.GetOrganizationMonitorAsync"]);
        Assert.Equal("Task<ApiResponse<List<MonitorCheckin>>>", returns["ISentryCronsApi.ListOrganizationMonitorCheckinsAsync"]);
        Assert.Equal("Task<ApiResponse<ReplayResponse>>", returns["ISentryReplaysApi.GetOrganizationReplayAsync"]);
        Assert.Equal("Task<Dashboard>", returns["ISentryDashboardsApi.GetOrganizationDashboardAsync"]);
        Assert.Equal("Task", returns["ISentryProjectsApi.DeleteProjectAsync"]);

        // Every response model is a component: no operation returns a class named after a place in another schema.
        var components = ComponentNames();
        foreach (var (method, type) in returns)
        {
            var model = type.Replace("Task<", string.Empty).Replace("ApiResponse<", string.Empty).Replace("List<", string.Empty).Replace("Dictionary<string, ", string.Empty).TrimEnd('>');
            Assert.True(model is "Task" or "JsonElement" or "long" or "string" || components.Contains(model), $"{method} returns {type}, not a component schema");
        }
    }

    [Fact]
    public void RepositorySpecRequestBodiesAndNestedReferencesUseComponentNames()
    {
        var output = RepositorySpec.Value.Output;
        Assert.Equal(Models + "CreateTeamRequest", BodyType(output, "ISentryTeamsApi", "CreateOrganizationTeamAsync"));
        Assert.Equal(Models + "UpdateTeamRequest", BodyType(output, "ISentryTeamsApi", "UpdateTeamAsync"));
        Assert.Equal(Models + "UpdateOrganizationRequest", BodyType(output, "ISentryOrganizationsApi", "UpdateOrganizationAsync"));

        // Operations that send the same body share its type.
        Assert.Equal(Models + "CreateProjectRequest", BodyType(output, "ISentryProjectsApi", "CreateOrganizationProjectAsync"));
        Assert.Equal(Models + "CreateProjectRequest", BodyType(output, "ISentryProjectsApi", "CreateTeamProjectAsync"));

        // $ref inside components, and the nullable allOf wrapper around a $ref.
        Assert.Equal("KeycardSentry.Sentry.Models.Avatar?", PropertyType(output, "Organization", "avatar"));
        Assert.Equal("KeycardSentry.Sentry.Models.Owner?", PropertyType(output, "Issue", "assignedTo"));
        Assert.Equal("System.Collections.Generic.List<KeycardSentry.Sentry.Models.DashboardWidget>?", PropertyType(output, "Dashboard", "widgets"));
    }

    [Fact]
    public void RepositorySpecComponentModelsAreSealedPartialWithExtensionData()
    {
        var (result, output, diagnostics) = RepositorySpec.Value;
        Assert.DoesNotContain(diagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));

        var declarations = GeneratorHarness.OurTrees(result)
            .SelectMany(t => t.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>())
            .Where(c => c.Parent is BaseNamespaceDeclarationSyntax { Name: var n } && n.ToString() == "KeycardSentry.Sentry.Models")
            .ToDictionary(c => c.Identifier.Text);

        using var spec = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedFiles.RepositoryRoot, "specs", "sentry.openapi.json")));
        foreach (var component in spec.RootElement.GetProperty("components").GetProperty("schemas").EnumerateObject())
        {
            Assert.True(declarations.TryGetValue(component.Name, out var declaration), $"no class {component.Name}");
            Assert.Contains(declaration.Modifiers, m => m.IsKind(SyntaxKind.SealedKeyword));
            Assert.Contains(declaration.Modifiers, m => m.IsKind(SyntaxKind.PartialKeyword));

            // Unknown members are kept unless the schema says additionalProperties: false (a union: every member does).
            if (!component.Value.TryGetProperty("properties", out _))
            {
                continue;
            }

            var symbol = output.GetTypeByMetadataName(Models + component.Name)!;
            var extension = symbol.GetMembers().OfType<IPropertySymbol>().SingleOrDefault(p => p.GetAttributes().Any(a => a.AttributeClass!.Name == "JsonExtensionDataAttribute"));
            var closed = component.Value.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == System.Text.Json.JsonValueKind.False;
            Assert.True(closed == extension is null, $"{component.Name}: additionalProperties false = {closed}, extension data = {extension is not null}");
        }

        // A union of object schemas (oneOf of the four symbol source kinds) is one class with every member's fields.
        var source = output.GetTypeByMetadataName(Models + "SymbolSource")!;
        Assert.Contains(source.GetMembers().OfType<IPropertySymbol>(), p => p.Name == "Bucket");
        Assert.Contains(source.GetMembers().OfType<IPropertySymbol>(), p => p.Name == "Url");
    }

    [Fact]
    public void EqualComponentsKeepTheirNamesAndInlineCopiesReuseTheFirst()
    {
        var (_, result, output, diagnostics) = GeneratorHarness.Run(TestSpecs.Files(ComponentSpec));
        Assert.DoesNotContain(diagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));

        var api = output.GetTypeByMetadataName("Test.Api.ITestThingsApi")!;
        string Returns(string name) => api.GetMembers(name).OfType<IMethodSymbol>().Single().ReturnType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        string Body(string name) => api.GetMembers(name).OfType<IMethodSymbol>().Single().Parameters.Single(p => p.Name == "body").Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

        // Same shape, own names.
        Assert.Equal("Task<WidgetCreate>", Returns("CreateWidgetAsync"));
        Assert.Equal("Task<WidgetUpdate>", Returns("UpdateWidgetAsync"));
        Assert.Equal("WidgetCreate", Body("CreateWidgetAsync"));
        Assert.Equal("WidgetUpdate", Body("UpdateWidgetAsync"));

        // An inline object equal to a component is that component (the first in document order), not "PeekWidgetResponse".
        Assert.Equal("Task<WidgetCreate>", Returns("PeekWidgetAsync"));
        Assert.Equal("Task<List<Gadget>>", Returns("ListGadgetsAsync"));
        Assert.Equal("Test.Api.Models.Gadget?", PropertyType(output, "Holder", "inlineGadget", "Test.Api.Models."));

        // $ref, nullable allOf wrapper and 3.1-style anyOf [X, null] are all X, wherever they are met first.
        Assert.Equal("Test.Api.Models.Gadget?", PropertyType(output, "Holder", "gadget", "Test.Api.Models."));
        Assert.Equal("Test.Api.Models.Gadget?", PropertyType(output, "Holder", "maybeGadget", "Test.Api.Models."));
        Assert.Equal("Test.Api.Models.Gadget?", PropertyType(output, "Holder", "eitherGadget", "Test.Api.Models."));
        Assert.Equal("System.Collections.Generic.List<Test.Api.Models.Gadget>?", PropertyType(output, "Holder", "gadgets", "Test.Api.Models."));
        Assert.Equal("long?", PropertyType(output, "Holder", "count", "Test.Api.Models."));

        // A component referring to itself maps to itself and generation finishes.
        Assert.Equal("System.Collections.Generic.List<Test.Api.Models.Node>?", PropertyType(output, "Node", "children", "Test.Api.Models."));

        // A component name wins over a derived one: the inline response of getThing is GetThingResponse2.
        Assert.Equal("Task<GetThingResponse2>", Returns("GetThingAsync"));
        Assert.NotNull(output.GetTypeByMetadataName("Test.Api.Models.GetThingResponse")!.GetMembers("Reserved").SingleOrDefault());

        // additionalProperties:false: no extension data; otherwise there is.
        Assert.Empty(output.GetTypeByMetadataName("Test.Api.Models.Strict")!.GetMembers("AdditionalProperties"));
        Assert.Single(output.GetTypeByMetadataName("Test.Api.Models.Gadget")!.GetMembers("AdditionalProperties"));

        // One class per component plus the one inline shape that matches none; no duplicates of Gadget or WidgetCreate.
        var classes = GeneratorHarness.OurTrees(result)
            .SelectMany(t => t.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>())
            .Where(c => c.Parent is BaseNamespaceDeclarationSyntax { Name: var n } && n.ToString() == "Test.Api.Models")
            .Select(c => c.Identifier.Text)
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(["Gadget", "GetThingResponse", "GetThingResponse2", "Holder", "Node", "Strict", "WidgetCreate", "WidgetUpdate"], classes);
    }

    [Fact]
    public void ComponentGenerationIsDeterministic()
    {
        static string Models(GeneratorDriverRunResult result) => string.Join(
            "\n",
            GeneratorHarness.OurTrees(result).Where(t => t.FilePath.EndsWith("Models.g.cs", StringComparison.Ordinal)).Select(t => t.ToString()));

        var first = GeneratorHarness.Run(TestSpecs.Files(ComponentSpec), []).Result;
        var second = GeneratorHarness.Run(TestSpecs.Files(ComponentSpec), []).Result;
        Assert.Equal(Models(first), Models(second));
        Assert.NotEmpty(Models(first));
    }

    [Fact]
    public void ReparsingAnEquivalentSpecGivesAnEqualModel()
    {
        // Trailing whitespace changes the input text but nothing it means: the parse reruns and must give an equal value.
        var files = TestSpecs.Files(ComponentSpec);
        var compilation = GeneratorHarness.CreateCompilation("public class A { }");
        var driver = GeneratorHarness.CreateDriver(files, out var texts).RunGenerators(compilation);
        var spec = texts.Single(t => t.Path == files.SpecPath);
        driver = driver.ReplaceAdditionalText(spec, new TestAdditionalText(files.SpecPath, files.SpecText + "\n  \n")).RunGenerators(compilation);

        var ours = driver.GetRunResult().Results.Single(r => r.Generator.GetGeneratorType() == typeof(KeycardApiGenerator));
        var parsed = ours.TrackedSteps[TrackingNames.Parsed].SelectMany(s => s.Outputs).ToList();
        Assert.NotEmpty(parsed);
        Assert.All(parsed, o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
    }

    [Fact]
    public void CyclicAndBrokenReferencesNeverThrow()
    {
        var spec = ComponentSpec
            .Replace(
                "\"GetThingResponse\": {",
                """
                "AliasA": { "$ref": "#/components/schemas/AliasB" },
                      "AliasB": { "$ref": "#/components/schemas/AliasA" },
                      "Ring": { "type": "object", "properties": { "next": { "type": "object", "nullable": true, "allOf": [ { "$ref": "#/components/schemas/Ring" } ] }, "alias": { "$ref": "#/components/schemas/AliasA" }, "gone": { "$ref": "#/components/schemas/Nope" } } },
                      "GetThingResponse": {
                """);
        var (_, _, output, diagnostics) = GeneratorHarness.Run(TestSpecs.Files(spec));

        Assert.DoesNotContain(diagnostics, d => d.Id == "KSG009");
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(20)));
        Assert.Equal("Test.Api.Models.Ring?", PropertyType(output, "Ring", "next", "Test.Api.Models."));
        Assert.Equal("System.Text.Json.JsonElement?", PropertyType(output, "Ring", "alias", "Test.Api.Models."));
        Assert.Contains(diagnostics, d => d.Id == "KSG006" && d.GetMessage().Contains("AliasA"));
    }

    private const string ComponentSpec = """
        {
          "openapi": "3.0.3",
          "info": { "title": "Components", "version": "1" },
          "paths": {
            "/api/0/holders/": {
              "get": {
                "operationId": "getHolder", "tags": ["Things"],
                "security": [ { "auth_token": ["org:read"] } ],
                "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Holder" } } } } }
              }
            },
            "/api/0/widgets/": {
              "post": {
                "operationId": "createWidget", "tags": ["Things"],
                "security": [ { "auth_token": ["org:write"] } ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WidgetCreate" } } } },
                "responses": { "201": { "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WidgetCreate" } } } } }
              },
              "put": {
                "operationId": "updateWidget", "tags": ["Things"],
                "security": [ { "auth_token": ["org:write"] } ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WidgetUpdate" } } } },
                "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WidgetUpdate" } } } } }
              },
              "get": {
                "operationId": "peekWidget", "tags": ["Things"],
                "security": [ { "auth_token": ["org:read"] } ],
                "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": {
                  "type": "object", "properties": { "slug": { "type": "string" }, "name": { "type": "string" } }
                } } } } }
              }
            },
            "/api/0/gadgets/": {
              "get": {
                "operationId": "listGadgets", "tags": ["Things"],
                "security": [ { "auth_token": ["org:read"] } ],
                "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": {
                  "type": "array", "items": { "type": "object", "properties": { "id": { "type": "string" }, "size": { "type": "integer" } } }
                } } } } }
              }
            },
            "/api/0/thing/": {
              "get": {
                "operationId": "getThing", "tags": ["Things"],
                "security": [ { "auth_token": ["org:read"] } ],
                "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": {
                  "type": "object", "properties": { "other": { "type": "boolean" } }
                } } } } }
              }
            }
          },
          "components": {
            "schemas": {
              "Holder": {
                "type": "object",
                "properties": {
                  "inlineGadget": { "type": "object", "properties": { "id": { "type": "string" }, "size": { "type": "integer" } } },
                  "gadget": { "$ref": "#/components/schemas/Gadget" },
                  "maybeGadget": { "type": "object", "nullable": true, "allOf": [ { "$ref": "#/components/schemas/Gadget" } ] },
                  "eitherGadget": { "anyOf": [ { "$ref": "#/components/schemas/Gadget" }, { "type": "null" } ] },
                  "gadgets": { "type": "array", "items": { "$ref": "#/components/schemas/Gadget" } },
                  "count": { "$ref": "#/components/schemas/Count" },
                  "strict": { "$ref": "#/components/schemas/Strict" }
                }
              },
              "WidgetCreate": { "type": "object", "properties": { "slug": { "type": "string" }, "name": { "type": "string" } } },
              "WidgetUpdate": { "type": "object", "properties": { "slug": { "type": "string" }, "name": { "type": "string" } } },
              "Gadget": { "type": "object", "description": "A gadget.", "properties": { "id": { "type": "string" }, "size": { "type": "integer" } } },
              "Count": { "type": "integer" },
              "Strict": { "type": "object", "additionalProperties": false, "properties": { "id": { "type": "string" } } },
              "Node": { "type": "object", "properties": { "name": { "type": "string" }, "children": { "type": "array", "items": { "$ref": "#/components/schemas/Node" } } } },
              "GetThingResponse": { "type": "object", "properties": { "reserved": { "type": "string" } } }
            }
          }
        }
        """;

    private static HashSet<string> ComponentNames()
    {
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedFiles.RepositoryRoot, "specs", "sentry.openapi.json")));
        return document.RootElement.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
    }

    private static Dictionary<string, string> ReturnTypes(GeneratorDriverRunResult result, Compilation output)
    {
        var returns = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var api in GeneratorHarness.OurTrees(result).SelectMany(t => t.GetRoot().DescendantNodes().OfType<InterfaceDeclarationSyntax>()))
        {
            var symbol = output.GetTypeByMetadataName("KeycardSentry.Sentry." + api.Identifier.Text)!;
            foreach (var method in symbol.GetMembers().OfType<IMethodSymbol>())
            {
                returns.Add(symbol.Name + "." + method.Name, method.ReturnType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
            }
        }

        return returns;
    }

    private static string BodyType(Compilation output, string api, string method) =>
        output.GetTypeByMetadataName("KeycardSentry.Sentry." + api)!.GetMembers(method).OfType<IMethodSymbol>().Single()
            .Parameters.Single(p => p.Name == "body").Type.ToDisplayString().TrimEnd('?');

    private static string PropertyType(Compilation output, string model, string jsonName, string ns = Models) =>
        output.GetTypeByMetadataName(ns + model)!.GetMembers().OfType<IPropertySymbol>()
            .Single(p => p.GetAttributes().Any(a => a.AttributeClass!.Name == "JsonPropertyNameAttribute" && (string?)a.ConstructorArguments[0].Value == jsonName))
            .Type.ToDisplayString();
}
