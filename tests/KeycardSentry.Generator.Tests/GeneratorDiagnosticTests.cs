using KeycardSentry.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KeycardSentry.Generator.Tests;

/// <summary>One test per KSG diagnostic: id, severity, and a location in the right file at the right line.</summary>
public sealed class GeneratorDiagnosticTests
{
    private const string SpecPath = "/specs/test.openapi.json";

    [Fact]
    public void KSG001_UnreadableSpecIsAnErrorAndGeneratesNothing()
    {
        var (diagnostic, generated) = Single(TestSpecs.Files(spec: "{ \"openapi\": \"3.0.3\", \"paths\": { oops"), "KSG001");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(SpecPath, diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(0, generated);
    }

    [Fact]
    public void KSG001_UnreadableCatalogPointsIntoTheCatalog()
    {
        var catalog = "{\n  \"resource\": \"x\",\n  \"scopes\": [ oops ]\n}";
        var (diagnostic, generated) = Single(TestSpecs.Files(catalog: catalog), "KSG001");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("/specs/test.scopes.json", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(2, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal(0, generated);
    }

    [Fact]
    public void KSG001_CatalogThatIsNoAdditionalFile()
    {
        var (diagnostic, _) = Single(TestSpecs.Files() with { CatalogIsAdditionalFile = false }, "KSG001");
        Assert.Contains("is not an AdditionalFiles item", diagnostic.GetMessage());
    }

    [Fact]
    public void KSG002_UnknownScopeIsAWarningAtTheScope()
    {
        var spec = TestSpecs.Spec().Replace("\"org:write\", \"org:admin\"", "\"org:write\", \"org:superpower\"");
        var (diagnostic, generated) = Single(TestSpecs.Files(spec), "KSG002");
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        AssertLine(spec, "org:superpower", diagnostic);
        Assert.Contains("org:superpower", diagnostic.GetMessage());
        Assert.True(generated > 0);
    }

    [Fact]
    public void KSG003_MalformedScopeIsAWarningAndNormalised()
    {
        var spec = TestSpecs.Spec().Replace("\"org:admin\", \"org:read\", \"org:write\"", "\"org:admin\", \"org: read\", \"org:write\"");
        var (diagnostic, _) = Single(TestSpecs.Files(spec), "KSG003");
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        AssertLine(spec, "org: read", diagnostic);
        Assert.Contains("'org:read'", diagnostic.GetMessage());

        var (_, _, output, diagnostics) = GeneratorHarness.Run(TestSpecs.Files(spec));
        Assert.DoesNotContain(diagnostics, d => d.Id == "KSG002");
        var method = output.GetTypeByMetadataName("Test.Api.ITestOrganizationsApi")!.GetMembers("RetrieveAnOrganizationAsync").Single();
        var scopes = method.GetAttributes().Single(a => a.AttributeClass!.Name == "RequiresScopesAttribute").ConstructorArguments[0].Values.Select(v => (string)v.Value!);
        Assert.Equal(["org:admin", "org:read", "org:write"], scopes.ToArray());
    }

    [Fact]
    public void KSG004_DuplicateOperationIdIsAnErrorAndTheLaterOneIsSkipped()
    {
        var extra = """
            ,
                "/api/0/other/": {
                  "get": { "operationId": "ping", "tags": ["Public"], "responses": { "204": { "description": "again" } } }
                }
            """;
        var spec = TestSpecs.Spec(extra);
        var (diagnostic, _) = Single(TestSpecs.Files(spec), "KSG004");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        AssertLine(spec, "\"/api/0/other/\"", diagnostic, lineOffset: 1);

        var (_, _, output, _) = GeneratorHarness.Run(TestSpecs.Files(spec));
        Assert.Single(output.GetTypeByMetadataName("Test.Api.ITestPublicApi")!.GetMembers().OfType<IMethodSymbol>());
    }

    [Fact]
    public void KSG005_UndeclaredPathParameterIsAnErrorAndTheOperationSkipped()
    {
        var extra = """
            ,
                "/api/0/things/{thing_id}/": {
                  "get": { "operationId": "getThing", "tags": ["Public"], "responses": { "204": { "description": "x" } } }
                }
            """;
        var spec = TestSpecs.Spec(extra);
        var (diagnostic, _) = Single(TestSpecs.Files(spec), "KSG005");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        AssertLine(spec, "\"/api/0/things/{thing_id}/\"", diagnostic);
        Assert.Contains("{thing_id}", diagnostic.GetMessage());

        var (_, _, output, _) = GeneratorHarness.Run(TestSpecs.Files(spec));
        Assert.Empty(output.GetTypeByMetadataName("Test.Api.ITestPublicApi")!.GetMembers("GetThingAsync"));
    }

    [Fact]
    public void KSG006_JsonElementIsAnInfoAtTheProperty()
    {
        var spec = TestSpecs.Spec();
        var (_, _, _, diagnostics) = GeneratorHarness.Run(TestSpecs.Files(spec));
        var anything = diagnostics.Single(d => d.Id == "KSG006" && d.GetMessage().Contains("'anything'"));
        Assert.Equal(DiagnosticSeverity.Info, anything.Severity);
        AssertLine(spec, "\"anything\"", anything);
        Assert.Contains("untyped", anything.GetMessage());
        Assert.Contains(diagnostics, d => d.Id == "KSG006" && d.GetMessage().Contains("'either'"));
    }

    [Fact]
    public void KSG007_MissingOperationIdGetsADerivedName()
    {
        var extra = """
            ,
                "/api/0/things/": {
                  "get": { "tags": ["Public"], "responses": { "204": { "description": "x" } } }
                }
            """;
        var spec = TestSpecs.Spec(extra);
        var (diagnostic, _) = Single(TestSpecs.Files(spec), "KSG007");
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        AssertLine(spec, "\"/api/0/things/\"", diagnostic, lineOffset: 1);
        Assert.Contains("GetThingsAsync", diagnostic.GetMessage());
    }

    [Fact]
    public void KSG008_HeaderParameterIsLeftOutWithAWarning()
    {
        var spec = TestSpecs.Spec().Replace(
            "{ \"in\": \"query\", \"name\": \"detailed\", \"schema\": { \"type\": \"boolean\" } }",
            "{ \"in\": \"query\", \"name\": \"detailed\", \"schema\": { \"type\": \"boolean\" } },\n{ \"in\": \"header\", \"name\": \"X-Trace\", \"schema\": { \"type\": \"string\" } }");
        var (diagnostic, _) = Single(TestSpecs.Files(spec), "KSG008");
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Contains("X-Trace", diagnostic.GetMessage());
        Assert.Equal(SpecPath, diagnostic.Location.GetLineSpan().Path);
    }

    [Fact]
    public void KSG010_PaginatedOperationWithoutAListResponseIsAnInfoAtTheOperationId()
    {
        var extra = """
            ,
                "/api/0/things/stats/": {
                  "get": {
                    "operationId": "getThingStats",
                    "tags": ["Public"],
                    "parameters": [ { "in": "query", "name": "cursor", "schema": { "type": "string" } } ],
                    "responses": { "200": { "description": "x", "content": { "application/json": { "schema": {
                      "type": "object", "properties": { "total": { "type": "integer" } }
                    } } } } }
                  }
                }
            """;
        var spec = TestSpecs.Spec(extra);
        var (diagnostic, generated) = Single(TestSpecs.Files(spec), "KSG010");
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        AssertLine(spec, "\"getThingStats\"", diagnostic);
        Assert.Contains("'getThingStats'", diagnostic.GetMessage());
        Assert.Contains("not a list", diagnostic.GetMessage());
        Assert.True(generated > 0);

        // The method is still generated (paginated, so ApiResponse<T>), but no helper enumerates it; the list
        // operation of the same spec keeps its helper and reports nothing.
        var (_, _, output, _) = GeneratorHarness.Run(TestSpecs.Files(spec));
        var method = (IMethodSymbol)output.GetTypeByMetadataName("Test.Api.ITestPublicApi")!.GetMembers("GetThingStatsAsync").Single();
        Assert.Contains("ApiResponse", method.ReturnType.ToDisplayString());
        Assert.Null(output.GetTypeByMetadataName("Test.Api.TestPublicApiPagination"));
        Assert.NotNull(output.GetTypeByMetadataName("Test.Api.TestSpikeProtectionApiPagination"));
    }

    [Fact]
    public void KSG010_PaginatedOperationWithNoJsonResponseSaysSo()
    {
        var extra = """
            ,
                "/api/0/things/": {
                  "get": {
                    "operationId": "listThings",
                    "tags": ["Public"],
                    "parameters": [ { "in": "query", "name": "cursor", "schema": { "type": "string" } } ],
                    "responses": { "204": { "description": "nothing" } }
                  }
                }
            """;
        var spec = TestSpecs.Spec(extra);
        var (diagnostic, _) = Single(TestSpecs.Files(spec), "KSG010");
        AssertLine(spec, "\"listThings\"", diagnostic);
        Assert.Contains("no 2xx JSON response", diagnostic.GetMessage());
    }

    private static (Diagnostic Diagnostic, int GeneratedFiles) Single(SpecFiles files, string id)
    {
        var (_, result, _, diagnostics) = GeneratorHarness.Run(files);
        var matching = diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"{id}: {string.Join("; ", diagnostics)}");
        return (matching[0], GeneratorHarness.OurTrees(result).Count());
    }

    private static void AssertLine(string text, string marker, Diagnostic diagnostic, int lineOffset = 0)
    {
        var lines = text.Split('\n');
        var expected = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal)) + lineOffset;
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal(SpecPath, span.Path);
        Assert.Equal(expected, span.StartLinePosition.Line);
        Assert.True(span.StartLinePosition.Character > 0, "column is set");
    }
}
