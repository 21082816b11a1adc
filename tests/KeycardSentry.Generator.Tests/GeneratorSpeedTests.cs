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

        // Roslyn's own driver code is compiled once per process (the real compiler ships it precompiled): warm it with
        // another generator instance on a small spec, so the figure below is our generator's cold time.
        GeneratorHarness.CreateDriver(TestSpecs.Files(), withRefit: false).RunGenerators(compilation, TestContext.Current.CancellationToken);

        long total, roslyn;
        using (var cold = new ColdGenerator())
        {
            GeneratorDriver driver = CSharpGeneratorDriver.Create([cold.CreateGenerator().AsSourceGenerator()], texts, GeneratorHarness.ParseOptions, options);
            var watch = Stopwatch.StartNew();
            driver = driver.RunGenerators(compilation, TestContext.Current.CancellationToken);
            total = watch.ElapsedMilliseconds;
            var result = driver.GetRunResult();
            roslyn = (long)driver.GetTimingInfo().GeneratorTimes.Single().ElapsedTime.TotalMilliseconds;
            Assert.Empty(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
            Assert.True(result.Results.Single().GeneratedSources.Length > 20);

            watch.Restart();
            driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class B { }", GeneratorHarness.ParseOptions)), TestContext.Current.CancellationToken);
            log?.WriteLine($"after an unrelated C# edit: {watch.ElapsedMilliseconds} ms");
        }

        // Where the cold time goes, step by step in another fresh context: our model (reading the JSON with
        // System.Text.Json, the catalog, the schemas and operations), then the C# text.
        using (var cold = new ColdGenerator())
        {
            var spec = files.SpecText;
            var input = SpecWithCatalog(cold.Generator, files);
            var watch = Stopwatch.StartNew();
            var parsed = cold.Generator.GetType("KeycardSentry.Generator.Parsing.SpecParser", true)!.GetMethod("Parse")!.Invoke(null, [input, CancellationToken.None])!;
            var model = parsed.GetType().GetProperty("Model")!.GetValue(parsed)!;
            var modelTime = watch.ElapsedMilliseconds;

            watch.Restart();
            var emitted = ((IEnumerable<(string, string)>)cold.Generator.GetType("KeycardSentry.Generator.Emitting.Emitter", true)!.GetMethod("Emit")!.Invoke(null, [model, CancellationToken.None])!).ToList();
            var emit = watch.ElapsedMilliseconds;

            watch.Restart();
            foreach (var (_, text) in emitted)
            {
                CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions, cancellationToken: TestContext.Current.CancellationToken);
            }

            var parse = watch.ElapsedMilliseconds;
            watch.Restart();
            using (System.Text.Json.JsonDocument.Parse(spec))
            {
                log?.WriteLine($"KeycardSentry generator on specs/sentry.openapi.json ({spec.Length / 1024} KB, 223 operations), cold, fresh CSharpGeneratorDriver: {total} ms (Roslyn's own count: {roslyn} ms)");
                log?.WriteLine($"  spec to model, cold (of which System.Text.Json reads the document in {watch.ElapsedMilliseconds} ms warm): {modelTime} ms");
                log?.WriteLine($"  model to C# text, cold: {emit} ms ({emitted.Count} files, {emitted.Sum(e => e.Item2.Length) / 1024} KB)");
                log?.WriteLine($"  (Roslyn parsing that text into syntax trees, as the driver does with every generated file: {parse} ms)");
            }
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

    private static object SpecWithCatalog(Assembly generator, SpecFiles files)
    {
        var inputFile = generator.GetType("KeycardSentry.Generator.Model.InputFile", true)!;
        var spec = Activator.CreateInstance(inputFile, files.SpecPath, files.SpecText, true, files.Namespace, files.Prefix, files.CatalogPath)!;
        var catalog = Activator.CreateInstance(inputFile, files.CatalogPath, files.CatalogText, false, string.Empty, string.Empty, null)!;
        return Activator.CreateInstance(generator.GetType("KeycardSentry.Generator.Model.SpecWithCatalog", true)!, spec, catalog)!;
    }
}
