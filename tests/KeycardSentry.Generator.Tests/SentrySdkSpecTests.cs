using System.Text.Json;
using KeycardSentry.Generator.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace KeycardSentry.Generator.Tests;

/// <summary>
/// The SDK's own spec (specs/sentry.openapi.json, all of Sentry's published operations) through our generator and
/// Refit's, compared with Sentry's published document (../shared/sentry/openapi.json).
/// </summary>
public sealed class SentrySdkSpecTests
{
    private static readonly string[] HttpMethods = ["get", "post", "put", "patch", "delete"];

    private static readonly Lazy<(GeneratorDriver Driver, GeneratorDriverRunResult Result, Compilation Output, IReadOnlyList<Diagnostic> Diagnostics)> Sdk = new(() =>
    {
        var (driver, result, output, diagnostics) = GeneratorHarness.Run(TestSpecs.RepositoryFiles());
        return (driver, result, output, diagnostics);
    });

    [Fact]
    public void EveryPublishedOperationIsGeneratedOnceWithItsPublishedScopes()
    {
        using var published = JsonDocument.Parse(File.ReadAllText(SharedFiles.Require("sentry/openapi.json")));
        var expected = new Dictionary<(string Method, string Path), HashSet<string>>();
        foreach (var path in published.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => HttpMethods.Contains(o.Name)))
            {
                var scopes = operation.Value.GetProperty("security").EnumerateArray()
                    .SelectMany(r => r.EnumerateObject()).SelectMany(s => s.Value.EnumerateArray())
                    .Select(s => s.GetString()!.Replace(" ", string.Empty, StringComparison.Ordinal))
                    .ToHashSet(StringComparer.Ordinal);
                expected.Add((operation.Name.ToUpperInvariant(), path.Name), scopes);
            }
        }

        var generated = GeneratedOperations(Sdk.Value.Result, Sdk.Value.Output);
        Assert.Equal(223, expected.Count);
        Assert.Equal(expected.Count, generated.Count);
        foreach (var (key, (method, scopes)) in generated)
        {
            Assert.True(expected.TryGetValue(key, out var published1), $"{key} ({method}) is not a published operation");
            Assert.True(published1.SetEquals(scopes), $"{key} ({method}): published [{string.Join(", ", published1)}], generated [{string.Join(", ", scopes)}]");
        }

        Assert.Equal(expected.Keys.Order(), generated.Keys.Order());
    }

    [Fact]
    public void TheSdkCompilesCleanlyAndOnlyOpenSchemasStayJsonElement()
    {
        var (_, result, output, diagnostics) = Sdk.Value;
        var log = TestContext.Current.TestOutputHelper;
        Assert.DoesNotContain(diagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));

        var open = diagnostics.Where(d => d.Id == "KSG006").Select(d => d.GetMessage()).ToList();
        var reasons = open.GroupBy(Reason).OrderByDescending(g => g.Count()).ToList();
        log?.WriteLine($"KSG006 (schemas kept as JsonElement): {open.Count} on specs/sentry.openapi.json (635 on the published document before)");
        foreach (var reason in reasons)
        {
            log?.WriteLine($"  {reason.Count(),4} {reason.Key}");
        }

        // What remains is what the document leaves open: {} (any JSON), or a union of different kinds of JSON value.
        Assert.All(open, message => Assert.Matches("untyped|(anyOf|oneOf) of .* and .* has no single C# type|several types", message));
        foreach (var notAList in diagnostics.Where(d => d.Id == "KSG010"))
        {
            log?.WriteLine(notAList.GetMessage());
        }

        var classes = GeneratorHarness.OurTrees(result).Sum(t => t.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Count());
        log?.WriteLine($"{GeneratorHarness.OurTrees(result).Count()} files, {classes} classes");
    }

    [Fact]
    public void EverySuccessBodyTheDocumentTypesIsATypedModel()
    {
        using var published = JsonDocument.Parse(File.ReadAllText(SharedFiles.Require("sentry/openapi.json")));
        var output = Sdk.Value.Output;
        var methods = GeneratedMethods(Sdk.Value.Result, output);
        var checkedBodies = 0;
        foreach (var path in published.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => HttpMethods.Contains(o.Name)))
            {
                var schema = operation.Value.GetProperty("responses").EnumerateObject()
                    .Where(r => r.Name.StartsWith('2') && r.Value.TryGetProperty("content", out _))
                    .Select(r => r.Value.GetProperty("content").GetProperty("application/json").GetProperty("schema"))
                    .FirstOrDefault();
                if (schema.ValueKind != JsonValueKind.Object || !HasObjectWithProperties(schema))
                {
                    continue;
                }

                var method = methods[(operation.Name.ToUpperInvariant(), path.Name)];
                var type = ((INamedTypeSymbol)method.ReturnType).TypeArguments.Single();
                var display = type.ToDisplayString();
                Assert.DoesNotContain("JsonElement", display.Replace("Dictionary<string, System.Text.Json.JsonElement>", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
                Assert.Contains("KeycardSentry.Sentry.Models.", display, StringComparison.Ordinal);
                checkedBodies++;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{checkedBodies} typed 2xx bodies, each a generated model");
        Assert.True(checkedBodies > 150, checkedBodies.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>(METHOD, path) → (interface.method, scopes) for every generated interface method.</summary>
    internal static Dictionary<(string Method, string Path), (string Name, HashSet<string> Scopes)> GeneratedOperations(GeneratorDriverRunResult result, Compilation output)
    {
        var operations = new Dictionary<(string, string), (string, HashSet<string>)>();
        foreach (var ((method, path), symbol) in GeneratedMethods(result, output))
        {
            var scopes = symbol.GetAttributes().SingleOrDefault(a => a.AttributeClass!.Name == "RequiresScopesAttribute");
            operations.Add((method, path), (
                symbol.ContainingType.Name + "." + symbol.Name,
                scopes is null ? [] : scopes.ConstructorArguments[0].Values.Select(v => (string)v.Value!).ToHashSet(StringComparer.Ordinal)));
        }

        return operations;
    }

    private static Dictionary<(string Method, string Path), IMethodSymbol> GeneratedMethods(GeneratorDriverRunResult result, Compilation output)
    {
        var methods = new Dictionary<(string, string), IMethodSymbol>();
        foreach (var tree in GeneratorHarness.OurTrees(result))
        {
            var model = output.GetSemanticModel(output.SyntaxTrees.Single(t => t.FilePath == tree.FilePath));
            foreach (var declaration in model.SyntaxTree.GetRoot().DescendantNodes().OfType<InterfaceDeclarationSyntax>().SelectMany(i => i.Members.OfType<MethodDeclarationSyntax>()))
            {
                var symbol = (IMethodSymbol)model.GetDeclaredSymbol(declaration)!;
                var http = symbol.GetAttributes().Single(a => a.AttributeClass!.ContainingNamespace.Name == "Refit" && a.AttributeClass.BaseType?.Name == "HttpMethodAttribute");
                methods.Add((http.AttributeClass!.Name.Replace("Attribute", string.Empty, StringComparison.Ordinal).ToUpperInvariant(), (string)http.ConstructorArguments[0].Value!), symbol);
            }
        }

        return methods;
    }

    private static bool HasObjectWithProperties(JsonElement schema) =>
        schema.TryGetProperty("properties", out var properties) && properties.EnumerateObject().Any()
        || schema.TryGetProperty("items", out var items) && HasObjectWithProperties(items);

    private static string Reason(string message) => message[(message.IndexOf("JsonElement: ", StringComparison.Ordinal) + "JsonElement: ".Length)..];
}
