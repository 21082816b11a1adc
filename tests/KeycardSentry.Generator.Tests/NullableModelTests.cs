using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using KeycardSentry.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KeycardSentry.Generator.Tests;

/// <summary>
/// Every model property is nullable, whatever the schema's <c>required</c> says: Sentry omits fields its schemas call
/// required, and a non-nullable value type would read as default (0, false, 0001-01-01) with nothing to tell the caller.
/// </summary>
public sealed class NullableModelTests
{
    private const string Spec = """
        {
          "openapi": "3.0.3",
          "info": { "title": "Presence", "version": "1" },
          "paths": {
            "/api/0/monitors/{monitor_id}/": {
              "get": {
                "operationId": "getMonitor",
                "tags": ["Monitors"],
                "parameters": [ { "in": "path", "name": "monitor_id", "required": true, "schema": { "type": "string" } } ],
                "security": [ { "auth_token": ["org:read"] } ],
                "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Monitor" } } } } }
              }
            },
            "/api/0/monitors/{monitor_id}/checkins/": {
              "get": {
                "operationId": "listCheckins",
                "tags": ["Monitors"],
                "parameters": [ { "in": "path", "name": "monitor_id", "required": true, "schema": { "type": "string" } } ],
                "security": [ { "auth_token": ["org:read"] } ],
                "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": {
                  "type": "array",
                  "items": { "type": "object", "required": ["duration"], "properties": { "duration": { "type": "integer" } } }
                } } } } }
              }
            },
            "/api/0/monitors/{monitor_id}/latest-checkin/": {
              "get": {
                "operationId": "getLatestCheckin",
                "tags": ["Monitors"],
                "parameters": [ { "in": "path", "name": "monitor_id", "required": true, "schema": { "type": "string" } } ],
                "security": [ { "auth_token": ["org:read"] } ],
                "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": {
                  "type": "object", "properties": { "duration": { "type": "integer" } }
                } } } } }
              }
            }
          },
          "components": {
            "schemas": {
              "Monitor": {
                "type": "object",
                "required": ["id", "dateCreated", "count", "isMuted", "ratio", "lastSeen", "config", "resolvedAt"],
                "properties": {
                  "id": { "type": "string" },
                  "dateCreated": { "type": "string", "format": "date-time" },
                  "count": { "type": "integer", "description": "Check-ins so far." },
                  "isMuted": { "type": "boolean" },
                  "ratio": { "type": "number" },
                  "lastSeen": { "type": "string", "format": "date-time", "nullable": true },
                  "config": {},
                  "resolvedAt": { "anyOf": [ { "type": "string", "format": "date-time" }, { "type": "null" } ] },
                  "isPublic": { "type": "boolean" }
                }
              }
            }
          }
        }
        """;

    private const string Required = "Required by the schema; null when the server omitted it.";
    private const string RequiredNullable = "Required by the schema, which allows null; null when the server sent null or omitted it.";

    [Fact]
    public void RequiredValueTypesAreEmittedNullableAndDocumentedAsRequired()
    {
        var (_, _, output, diagnostics) = GeneratorHarness.Run(Files());
        Assert.DoesNotContain(diagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        var monitor = output.GetTypeByMetadataName("Test.Api.Models.Monitor")!;

        Assert.Equal("System.DateTimeOffset?", Property(monitor, "DateCreated").Type.ToDisplayString());
        Assert.Equal("long?", Property(monitor, "Count").Type.ToDisplayString());
        Assert.Equal("bool?", Property(monitor, "IsMuted").Type.ToDisplayString());
        Assert.Equal("double?", Property(monitor, "Ratio").Type.ToDisplayString());
        Assert.Equal("System.Text.Json.JsonElement?", Property(monitor, "Config").Type.ToDisplayString());
        Assert.Equal("string?", Property(monitor, "Id").Type.ToDisplayString());
        Assert.Equal("System.DateTimeOffset?", Property(monitor, "LastSeen").Type.ToDisplayString());
        Assert.Equal("bool?", Property(monitor, "IsPublic").Type.ToDisplayString());

        // The schema's word stays in the documentation, after the schema's own description.
        var count = Summary(Property(monitor, "Count"));
        Assert.Contains("Check-ins so far.", count);
        Assert.Contains(Required, count);
        Assert.Contains(Required, Summary(Property(monitor, "DateCreated")));
        Assert.Contains(Required, Summary(Property(monitor, "Id")));
        Assert.Contains(RequiredNullable, Summary(Property(monitor, "LastSeen")));
        Assert.Equal("System.DateTimeOffset?", Property(monitor, "ResolvedAt").Type.ToDisplayString());
        Assert.Contains(RequiredNullable, Summary(Property(monitor, "ResolvedAt")));
        Assert.DoesNotContain("Required", Summary(Property(monitor, "IsPublic")));
    }

    [Fact]
    public void InlineObjectsThatDifferOnlyInRequiredKeepTheirOwnDocumentation()
    {
        var (_, _, output, _) = GeneratorHarness.Run(Files());
        var list = output.GetTypeByMetadataName("Test.Api.ITestMonitorsApi")!.GetMembers("ListCheckinsAsync").OfType<IMethodSymbol>().Single();
        var latest = output.GetTypeByMetadataName("Test.Api.ITestMonitorsApi")!.GetMembers("GetLatestCheckinAsync").OfType<IMethodSymbol>().Single();
        var item = (INamedTypeSymbol)((INamedTypeSymbol)((INamedTypeSymbol)list.ReturnType).TypeArguments[0]).TypeArguments[0];
        var response = (INamedTypeSymbol)((INamedTypeSymbol)latest.ReturnType).TypeArguments[0];

        Assert.NotEqual(item.Name, response.Name);
        Assert.Equal("long?", Property(item, "Duration").Type.ToDisplayString());
        Assert.Equal("long?", Property(response, "Duration").Type.ToDisplayString());
        Assert.Contains(Required, Summary(Property(item, "Duration")));
        Assert.DoesNotContain("Required", Summary(Property(response, "Duration")));
    }

    [Fact]
    public void DeserializingJsonWithoutARequiredValueGivesNullNotDefault()
    {
        var (_, _, output, _) = GeneratorHarness.Run(Files());
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));

        var context = new AssemblyLoadContext(nameof(DeserializingJsonWithoutARequiredValueGivesNullNotDefault), isCollectible: true);
        try
        {
            stream.Position = 0;
            var monitorType = context.LoadFromStream(stream).GetType("Test.Api.Models.Monitor", throwOnError: true)!;

            // Sentry left out every required value type (and sent an unknown field).
            var sparse = JsonSerializer.Deserialize("""{ "id": "m1", "unexpected": 7 }""", monitorType)!;
            Assert.Equal("m1", Get(sparse, "Id"));
            Assert.Null(Get(sparse, "DateCreated"));
            Assert.Null(Get(sparse, "Count"));
            Assert.Null(Get(sparse, "IsMuted"));
            Assert.Null(Get(sparse, "Ratio"));
            Assert.Null(Get(sparse, "Config"));
            Assert.Null(Get(sparse, "LastSeen"));
            Assert.Null(Get(sparse, "ResolvedAt"));
            var extra = Assert.IsType<Dictionary<string, JsonElement>>(Get(sparse, "AdditionalProperties"));
            Assert.Equal(7, extra["unexpected"].GetInt32());

            // Present values, defaults included, still come through: false and 0 are now told apart from absent.
            var full = JsonSerializer.Deserialize(
                """{ "id": "m2", "dateCreated": "2024-05-01T10:00:00+00:00", "count": 0, "isMuted": false, "ratio": 0.5, "lastSeen": null, "config": { "a": 1 } }""",
                monitorType)!;
            Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), Get(full, "DateCreated"));
            Assert.Equal(0L, Get(full, "Count"));
            Assert.Equal(false, Get(full, "IsMuted"));
            Assert.Equal(0.5, Get(full, "Ratio"));
            Assert.Null(Get(full, "LastSeen"));
            Assert.Equal(1, ((JsonElement)Get(full, "Config")!).GetProperty("a").GetInt32());

            // And back out: an absent value stays absent, never a made-up default, and never a null the schema
            // forbids; only a property the schema lets be null is written as null.
            var written = JsonSerializer.Serialize(sparse, monitorType);
            Assert.DoesNotContain("\"count\"", written, StringComparison.Ordinal);
            Assert.DoesNotContain("0001-01-01", written, StringComparison.Ordinal);
            Assert.Contains("\"lastSeen\":null", written, StringComparison.Ordinal);
        }
        finally
        {
            context.Unload();
        }
    }

    private static SpecFiles Files() => TestSpecs.Files(Spec);

    private static IPropertySymbol Property(INamedTypeSymbol type, string name) => type.GetMembers(name).OfType<IPropertySymbol>().Single();

    private static string Summary(IPropertySymbol property) => property.GetDocumentationCommentXml() ?? string.Empty;

    private static object? Get(object instance, string property) =>
        instance.GetType().GetProperty(property, BindingFlags.Public | BindingFlags.Instance)!.GetValue(instance);
}
