using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using KeycardSentry.Generator.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace KeycardSentry.Generator.Tests;

public sealed class FullSpecTests
{
    private static readonly string[] HttpMethods = ["get", "post", "put", "patch", "delete", "head", "options"];

    /// <summary>The catalog shape, built in memory from the shared hierarchy file.</summary>
    internal static string CatalogFromHierarchy(string hierarchyJson)
    {
        var hierarchy = JsonNode.Parse(hierarchyJson)!;
        var catalog = new JsonObject
        {
            ["resource"] = "https://sentry.io/api/0",
            ["defaultGrant"] = new JsonArray("event:read", "project:read", "org:read"),
            ["regions"] = new JsonObject { ["us"] = "https://us.sentry.io", ["de"] = "https://de.sentry.io" },
            ["implies"] = hierarchy["implies"]!.DeepClone(),
        };
        return catalog.ToJsonString();
    }

    [Fact]
    public void PublishedSentrySpecGeneratesEveryOperationOnceWithItsScopes()
    {
        var specText = File.ReadAllText(SharedFiles.Require("sentry/openapi.json"));
        var catalog = CatalogFromHierarchy(File.ReadAllText(SharedFiles.Require("sentry/scope-hierarchy.json")));
        var files = new SpecFiles(specText, catalog, "KeycardSentry.Sentry", "Sentry", "/specs/sentry.openapi.json", "/specs/sentry.scopes.json");

        var ours = Stopwatch.StartNew();
        var alone = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(
                [new KeycardApiGenerator().AsSourceGenerator()],
                GeneratorHarness.Inputs(files).Texts,
                GeneratorHarness.ParseOptions,
                GeneratorHarness.Inputs(files).Options)
            .RunGenerators(GeneratorHarness.CreateCompilation());
        ours.Stop();

        var both = Stopwatch.StartNew();
        var (_, result, output, generatorDiagnostics) = GeneratorHarness.Run(files);
        both.Stop();
        var compile = Stopwatch.StartNew();
        var compileDiagnostics = output.GetDiagnostics();
        var errors = compileDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        compile.Stop();

        var ourTrees = GeneratorHarness.OurTrees(result).ToList();
        var log = TestContext.Current.TestOutputHelper;
        log?.WriteLine($"KeycardSentry generator alone: {ours.ElapsedMilliseconds} ms; with Refit's generator: {both.ElapsedMilliseconds} ms; compile diagnostics: {compile.ElapsedMilliseconds} ms");
        log?.WriteLine($"Generated {ourTrees.Count} files, {ourTrees.Sum(t => t.Length)} chars; {ourTrees.Sum(t => t.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Count())} classes");
        log?.WriteLine("Compiler warnings: " + string.Join(", ", compileDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).GroupBy(d => d.Id).Select(g => $"{g.Key}×{g.Count()}")));
        log?.WriteLine("Generator diagnostics: " + string.Join(", ", generatorDiagnostics.GroupBy(d => d.Id).Select(g => $"{g.Key}×{g.Count()}")));
        foreach (var notAList in generatorDiagnostics.Where(d => d.Id == "KSG010"))
        {
            log?.WriteLine($"{notAList.Location.GetLineSpan().StartLinePosition.Line + 1}: {notAList.GetMessage()}");
        }

        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(20)));
        Assert.DoesNotContain(compileDiagnostics, d => d.Severity == DiagnosticSeverity.Warning);
        Assert.DoesNotContain(generatorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);

        // Expected: every operation of the document with its security scopes (normalised).
        using var document = JsonDocument.Parse(specText);
        var expected = new Dictionary<(string Method, string Path), HashSet<string>>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => HttpMethods.Contains(o.Name)))
            {
                var scopes = new HashSet<string>();
                if (operation.Value.TryGetProperty("security", out var security))
                {
                    foreach (var requirement in security.EnumerateArray())
                    {
                        foreach (var scheme in requirement.EnumerateObject())
                        {
                            scopes.UnionWith(scheme.Value.EnumerateArray().Select(s => s.GetString()!.Replace(" ", string.Empty)));
                        }
                    }
                }

                expected[(operation.Name.ToUpperInvariant(), path.Name)] = scopes;
            }
        }

        Assert.Equal(223, expected.Count);

        var generated = new List<((string Method, string Path) Key, HashSet<string> Scopes)>();
        foreach (var tree in ourTrees)
        {
            var model = output.GetSemanticModel(output.SyntaxTrees.Single(t => t.FilePath == tree.FilePath));
            foreach (var method in model.SyntaxTree.GetRoot().DescendantNodes().OfType<InterfaceDeclarationSyntax>().SelectMany(i => i.Members.OfType<MethodDeclarationSyntax>()))
            {
                var symbol = model.GetDeclaredSymbol(method)!;
                var http = symbol.GetAttributes().Single(a => a.AttributeClass!.ContainingNamespace.Name == "Refit" && a.AttributeClass.BaseType?.Name == "HttpMethodAttribute");
                var scopes = symbol.GetAttributes().SingleOrDefault(a => a.AttributeClass!.Name == "RequiresScopesAttribute");
                generated.Add((
                    (http.AttributeClass!.Name.Replace("Attribute", string.Empty).ToUpperInvariant(), (string)http.ConstructorArguments[0].Value!),
                    scopes is null ? [] : scopes.ConstructorArguments[0].Values.Select(v => (string)v.Value!).ToHashSet()));
            }
        }

        Assert.Equal(expected.Count, generated.Count);
        foreach (var (key, scopes) in generated)
        {
            Assert.True(expected.TryGetValue(key, out var expectedScopes), $"{key} is not in the spec");
            Assert.Single(generated, g => g.Key == key);
            Assert.True(expectedScopes.SetEquals(scopes), $"{key}: expected [{string.Join(", ", expectedScopes)}], generated [{string.Join(", ", scopes)}]");
        }

        // Refit implemented every generated interface.
        var refitSources = result.Results.Where(r => r.Generator.GetGeneratorType() != typeof(KeycardApiGenerator)).SelectMany(r => r.GeneratedSources).ToList();
        Assert.NotEmpty(refitSources);
        Assert.NotNull(alone);
    }
}
