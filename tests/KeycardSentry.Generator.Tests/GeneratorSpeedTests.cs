using System.Diagnostics;
using System.Reflection;
using KeycardSentry.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KeycardSentry.Generator.Tests;

/// <summary>
/// How long the generator itself takes on the SDK's spec (all 223 operations), cold, and that an unrelated edit reruns
/// nothing. Times are printed, never asserted: a busy machine must not fail a build.
/// </summary>
public sealed class GeneratorSpeedTests
{
    [Fact]
    public void PrintsTheColdGeneratorTimeOnTheSdkSpecAndWhereItGoes()
    {
        var files = TestSpecs.RepositoryFiles();
        var (texts, options) = GeneratorHarness.Inputs(files);
        var compilation = GeneratorHarness.CreateCompilation("public class A { }");
        var log = TestContext.Current.TestOutputHelper;

        long total;
        using (var cold = new ColdGenerator())
        {
            GeneratorDriver driver = CSharpGeneratorDriver.Create([cold.CreateGenerator().AsSourceGenerator()], texts, GeneratorHarness.ParseOptions, options);
            var watch = Stopwatch.StartNew();
            driver = driver.RunGenerators(compilation, TestContext.Current.CancellationToken);
            total = watch.ElapsedMilliseconds;
            var result = driver.GetRunResult();
            Assert.Empty(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
            Assert.True(result.Results.Single().GeneratedSources.Length > 20);

            watch.Restart();
            driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class B { }", GeneratorHarness.ParseOptions)), TestContext.Current.CancellationToken);
            log?.WriteLine($"after an unrelated C# edit: {watch.ElapsedMilliseconds} ms");
        }

        // Where the cold time goes, step by step in another fresh context: reading the document with Microsoft.OpenApi,
        // then our model (reading it again, now warm), then the C# text.
        using (var cold = new ColdGenerator())
        {
            var spec = files.SpecText;
            var watch = Stopwatch.StartNew();
            ReadWithOpenApi(cold.OpenApi, spec);
            var read = watch.ElapsedMilliseconds;

            watch.Restart();
            ReadWithOpenApi(cold.OpenApi, spec);
            log?.WriteLine($"  (Microsoft.OpenApi reading it again, warm: {watch.ElapsedMilliseconds} ms)");
            watch.Restart();
            using (System.Text.Json.JsonDocument.Parse(spec))
            {
                log?.WriteLine($"  (System.Text.Json reading it: {watch.ElapsedMilliseconds} ms)");
            }

            var input = SpecWithCatalog(cold.Generator, files);
            watch.Restart();
            var parsed = cold.Generator.GetType("KeycardSentry.Generator.Parsing.SpecParser", true)!.GetMethod("Parse")!.Invoke(null, [input, CancellationToken.None])!;
            var model = parsed.GetType().GetProperty("Model")!.GetValue(parsed)!;
            var modelTime = watch.ElapsedMilliseconds;

            watch.Restart();
            var emitted = ((IEnumerable<(string, string)>)cold.Generator.GetType("KeycardSentry.Generator.Emitting.Emitter", true)!.GetMethod("Emit")!.Invoke(null, [model, CancellationToken.None])!).ToList();
            var emit = watch.ElapsedMilliseconds;

            log?.WriteLine($"KeycardSentry generator on specs/sentry.openapi.json ({spec.Length / 1024} KB, 223 operations), cold, fresh CSharpGeneratorDriver: {total} ms");
            log?.WriteLine($"  Microsoft.OpenApi reading the document, cold: {read} ms");
            log?.WriteLine($"  our model (catalog, document read again warm, schemas, operations): {modelTime} ms");
            log?.WriteLine($"  C# text, cold: {emit} ms ({emitted.Count} files, {emitted.Sum(e => e.Item2.Length) / 1024} KB)");
        }
    }

    [Fact]
    public void AnUnrelatedEditRerunsNoStepOnTheSdkSpec()
    {
        var compilation = GeneratorHarness.CreateCompilation("public class A { }");
        var driver = GeneratorHarness.CreateDriver(TestSpecs.RepositoryFiles(), withRefit: false).RunGenerators(compilation, TestContext.Current.CancellationToken);
        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class B { }", GeneratorHarness.ParseOptions)), TestContext.Current.CancellationToken);
        var ours = driver.GetRunResult().Results.Single();

        var reasons = ours.TrackedSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason)
            .Concat(ours.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason))
            .ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    private static void ReadWithOpenApi(Assembly openApi, string text)
    {
        var document = openApi.GetType("Microsoft.OpenApi.OpenApiDocument", true)!;
        var settings = Activator.CreateInstance(openApi.GetType("Microsoft.OpenApi.Reader.OpenApiReaderSettings", true)!);
        var parse = document.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == "Parse" && m.GetParameters() is [{ ParameterType.Name: "String" }, { ParameterType.Name: "String" }, _]);
        Assert.NotNull(parse.Invoke(null, [text, "json", settings]));
    }

    private static object SpecWithCatalog(Assembly generator, SpecFiles files)
    {
        var inputFile = generator.GetType("KeycardSentry.Generator.Model.InputFile", true)!;
        var spec = Activator.CreateInstance(inputFile, files.SpecPath, files.SpecText, true, files.Namespace, files.Prefix, files.CatalogPath)!;
        var catalog = Activator.CreateInstance(inputFile, files.CatalogPath, files.CatalogText, false, string.Empty, string.Empty, null)!;
        return Activator.CreateInstance(generator.GetType("KeycardSentry.Generator.Model.SpecWithCatalog", true)!, spec, catalog)!;
    }
}
