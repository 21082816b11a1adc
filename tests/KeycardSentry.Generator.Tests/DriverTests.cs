using KeycardSentry.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace KeycardSentry.Generator.Tests;

public sealed class DriverTests
{
    private const string Usage = """
        using System.Threading.Tasks;
        using Microsoft.Extensions.DependencyInjection;
        using Test.Api;

        public static class Usage
        {
            public static async Task Run(ITestOrganizationsApi orgs, ITestSpikeProtectionApi issues, IServiceCollection services)
            {
                Test.Api.Models.RetrieveAnOrganizationResponse org = await orgs.RetrieveAnOrganizationAsync("my org", detailed: true);
                _ = org.IsGlobal2;
                await foreach (var issue in issues.EnumerateProjectsIssuesAsync("o", "p", project: new long[] { 1, 2 }))
                {
                    _ = issue.Title;
                }

                services.AddTestClients(b => b.ConfigureHttpClient(c => c.BaseAddress = new System.Uri("https://us.example.test")));
                _ = TestScopes.OrgRead + TestScopes.Regions.Us;
            }
        }
        """;

    [Fact]
    public void GeneratedClientsCompileWithoutDiagnosticsAndRefitImplementsEveryInterface()
    {
        var (_, result, output, generatorDiagnostics) = GeneratorHarness.Run(TestSpecs.Files(), Usage);

        Assert.DoesNotContain(generatorDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        var compileDiagnostics = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(compileDiagnostics.Count == 0, string.Join("\n", compileDiagnostics.Take(30)));

        var interfaces = GeneratorHarness.OurTrees(result)
            .SelectMany(t => t.GetRoot().DescendantNodes().OfType<InterfaceDeclarationSyntax>())
            .Select(i => i.Identifier.Text)
            .ToList();
        Assert.Equal(["ITestDefaultApi", "ITestOrganizationsApi", "ITestPublicApi", "ITestSpikeProtectionApi"], interfaces.Order().ToArray());

        foreach (var name in interfaces)
        {
            var symbol = output.GetTypeByMetadataName("Test.Api." + name)!;
            var implementations = output.SyntaxTrees
                .SelectMany(t => output.GetSemanticModel(t).SyntaxTree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>()
                    .Select(c => (INamedTypeSymbol?)output.GetSemanticModel(t).GetDeclaredSymbol(c)))
                .Where(c => c is not null && c.AllInterfaces.Contains(symbol, SymbolEqualityComparer.Default))
                .ToList();
            Assert.True(implementations.Count == 1, $"Refit implementation of {name}: {implementations.Count}");
        }
    }

    [Fact]
    public void InterfaceMethodsCarryRefitAttributesScopesAndParameters()
    {
        var (_, result, output, _) = GeneratorHarness.Run(TestSpecs.Files());
        var orgs = output.GetTypeByMetadataName("Test.Api.ITestOrganizationsApi")!;
        var retrieve = orgs.GetMembers("RetrieveAnOrganizationAsync").OfType<IMethodSymbol>().Single();
        var get = retrieve.GetAttributes().Single(a => a.AttributeClass!.Name == "GetAttribute");
        Assert.Equal("/api/0/organizations/{organization_id_or_slug}/", get.ConstructorArguments[0].Value);
        var scopes = retrieve.GetAttributes().Single(a => a.AttributeClass!.Name == "RequiresScopesAttribute");
        Assert.Equal(["org:admin", "org:read", "org:write"], scopes.ConstructorArguments[0].Values.Select(v => (string)v.Value!).ToArray());
        Assert.Equal(["organizationIdOrSlug", "detailed", "cancellationToken"], retrieve.Parameters.Select(p => p.Name).ToArray());
        Assert.Equal("organization_id_or_slug", retrieve.Parameters[0].GetAttributes().Single(a => a.AttributeClass!.Name == "AliasAsAttribute").ConstructorArguments[0].Value);
        Assert.True(retrieve.Parameters[1].HasExplicitDefaultValue);

        var update = orgs.GetMembers("UpdateAnOrganizationAsync").OfType<IMethodSymbol>().Single();
        Assert.Equal("Task", update.ReturnType.Name);
        Assert.Contains(update.Parameters, p => p.GetAttributes().Any(a => a.AttributeClass!.Name == "BodyAttribute"));

        var issues = output.GetTypeByMetadataName("Test.Api.ITestSpikeProtectionApi")!;
        var list = issues.GetMembers("ListAProjectsIssuesAsync").OfType<IMethodSymbol>().Single();
        Assert.Equal("Task<ApiResponse<List<ListAProjectsIssuesItem>>>", list.ReturnType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
        var project = list.Parameters.Single(p => p.Name == "project");
        var query = project.GetAttributes().Single(a => a.AttributeClass!.Name == "QueryAttribute");
        Assert.Equal((int)Refit.CollectionFormat.Multi, query.ConstructorArguments[0].Value);

        // No security at all: no attribute. Scopes only on a DSN alternative: the auth_token ones count.
        var ping = output.GetTypeByMetadataName("Test.Api.ITestPublicApi")!.GetMembers("PingAsync").Single();
        Assert.DoesNotContain(ping.GetAttributes(), a => a.AttributeClass!.Name == "RequiresScopesAttribute");
        var upload = output.GetTypeByMetadataName("Test.Api.ITestDefaultApi")!.GetMembers("UploadAFileAsync").OfType<IMethodSymbol>().Single();
        Assert.Equal("HttpContent", upload.Parameters[1].Type.Name);
    }

    [Fact]
    public void ModelsHaveLegalUniqueNamesAndLenientTypes()
    {
        var (_, _, output, _) = GeneratorHarness.Run(TestSpecs.Files());
        var model = output.GetTypeByMetadataName("Test.Api.Models.RetrieveAnOrganizationResponse")!;
        var byJson = model.GetMembers().OfType<IPropertySymbol>()
            .Where(p => p.GetAttributes().Any(a => a.AttributeClass!.Name == "JsonPropertyNameAttribute"))
            .ToDictionary(
                p => (string)p.GetAttributes().Single(a => a.AttributeClass!.Name == "JsonPropertyNameAttribute").ConstructorArguments[0].Value!,
                p => p);

        Assert.Equal("IsGlobal", byJson["isGlobal"].Name);
        Assert.Equal("IsGlobal2", byJson["is_global"].Name);
        Assert.Equal("HiddenSecret", byJson["hidden-secret"].Name);
        Assert.Equal("SsoLinked", byJson["sso:linked"].Name);
        Assert.Equal("EventType", byJson["event.type"].Name);
        Assert.Equal("Version", byJson["$version"].Name);
        Assert.Equal("_24h", byJson["24h"].Name);
        Assert.Equal("Class", byJson["class"].Name);

        Assert.Equal("bool?", byJson["isGlobal"].Type.ToDisplayString());              // required value type: nullable too (absent → null)
        Assert.Equal("bool?", byJson["is_global"].Type.ToDisplayString());
        Assert.Equal("string?", byJson["id"].Type.ToDisplayString());                  // required reference: still lenient
        Assert.Equal("System.DateTimeOffset?", byJson["dateCreated"].Type.ToDisplayString());
        Assert.Equal("long?", byJson["$version"].Type.ToDisplayString());
        Assert.Equal("double?", byJson["24h"].Type.ToDisplayString());
        Assert.Equal("System.Text.Json.JsonElement?", byJson["anything"].Type.ToDisplayString());
        Assert.Equal("System.Text.Json.JsonElement?", byJson["either"].Type.ToDisplayString());
        Assert.Equal("System.Collections.Generic.Dictionary<string, long>?", byJson["options"].Type.ToDisplayString());
        Assert.Equal("Test.Api.Models.RetrieveAnOrganizationResponseOwner?", byJson["owner"].Type.ToDisplayString());

        var extension = model.GetMembers("AdditionalProperties").OfType<IPropertySymbol>().Single();
        Assert.Contains(extension.GetAttributes(), a => a.AttributeClass!.Name == "JsonExtensionDataAttribute");
    }
}
