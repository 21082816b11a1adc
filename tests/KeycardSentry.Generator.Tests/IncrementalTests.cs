using System.Collections;
using System.Reflection;
using KeycardSentry.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KeycardSentry.Generator.Tests;

public sealed class IncrementalTests
{
    private static readonly string[] StepNames =
    [
        TrackingNames.InputTexts, TrackingNames.RootNamespace, TrackingNames.InputFiles, TrackingNames.Specs, TrackingNames.Catalogs, TrackingNames.SpecWithCatalog,
        TrackingNames.Parsed, TrackingNames.Model, TrackingNames.Diagnostics,
    ];

    [Fact]
    public void UnrelatedCSharpEditKeepsEveryStepCachedAndNoSymbolLeaks()
    {
        var files = TestSpecs.Files();
        var compilation = GeneratorHarness.CreateCompilation("public class A { }");
        var driver = GeneratorHarness.CreateDriver(files).RunGenerators(compilation);
        var first = Ours(driver.GetRunResult());

        foreach (var name in StepNames)
        {
            Assert.True(first.TrackedSteps.ContainsKey(name), $"step {name} not tracked");
            foreach (var step in first.TrackedSteps[name])
            {
                foreach (var (value, _) in step.Outputs)
                {
                    AssertNoCompilerObjects(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
                }
            }
        }

        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class B { }", GeneratorHarness.ParseOptions));
        driver = driver.RunGenerators(edited);
        var second = Ours(driver.GetRunResult());

        foreach (var name in StepNames)
        {
            var reasons = second.TrackedSteps[name].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name}: {r}"));
        }

        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o =>
            Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void SpecEditChangesTheOutput()
    {
        var files = TestSpecs.Files();
        var compilation = GeneratorHarness.CreateCompilation("public class A { }");
        var driver = GeneratorHarness.CreateDriver(files, out var texts).RunGenerators(compilation);
        var before = Ours(driver.GetRunResult()).GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

        var specText = texts.Single(t => t.Path == files.SpecPath);
        var changed = new TestAdditionalText(files.SpecPath, files.SpecText.Replace("Retrieve an Organization", "Fetch one organization"));
        driver = driver.ReplaceAdditionalText(specText, changed).RunGenerators(compilation);
        var after = Ours(driver.GetRunResult());

        Assert.Contains(after.TrackedSteps[TrackingNames.Parsed].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        var changedFiles = after.GeneratedSources.Where(s => before[s.HintName] != s.SourceText.ToString()).Select(s => s.HintName).ToList();
        Assert.Equal(["Test.Api.ITestOrganizationsApi.g.cs"], changedFiles);
    }

    [Fact]
    public void UnrelatedGlobalOptionChangeNeitherRereadsNorReparsesTheSpec()
    {
        var files = TestSpecs.Files();
        var (texts, options) = GeneratorHarness.Inputs(files, Global("App", unrelated: "1"));
        var compilation = GeneratorHarness.CreateCompilation("public class A { }");
        var driver = GeneratorHarness.CreateDriver(texts, options, withRefit: false).RunGenerators(compilation);
        var reads = Reads(texts);
        Assert.All(reads, r => Assert.Equal(1, r));

        var changed = GeneratorHarness.Inputs(files, Global("App", unrelated: "2")).Options;
        driver = driver.WithUpdatedAnalyzerConfigOptions(changed).RunGenerators(compilation);
        var second = Ours(driver.GetRunResult());

        // The options were looked at again (the projection re-ran and came out equal)...
        Assert.All(Reasons(second, TrackingNames.RootNamespace), r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));

        // ...but no text was read again and nothing downstream re-ran.
        Assert.Equal(reads, Reads(texts));
        Assert.All(Reasons(second, TrackingNames.InputTexts), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        AssertCachedOrUnchanged(second);
    }

    [Fact]
    public void UnrelatedAdditionalFileEditIsNeverReadAndKeepsEveryStepCached()
    {
        var files = TestSpecs.Files();
        var (texts, options) = GeneratorHarness.Inputs(files);
        var unrelated = new TestAdditionalText("/docs/notes.md", "# notes");
        texts = texts.Add(unrelated);
        var compilation = GeneratorHarness.CreateCompilation("public class A { }");
        var driver = GeneratorHarness.CreateDriver(texts, options, withRefit: false).RunGenerators(compilation);
        var reads = Reads(texts);

        var edited = new TestAdditionalText(unrelated.Path, "# notes, edited");
        driver = driver.ReplaceAdditionalText(unrelated, edited).RunGenerators(compilation);
        var second = Ours(driver.GetRunResult());

        Assert.Equal(0, unrelated.Reads);
        Assert.Equal(0, edited.Reads);
        Assert.Equal(reads, Reads(texts));
        Assert.All(Reasons(second, TrackingNames.InputTexts), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        AssertCachedOrUnchanged(second);
    }

    [Fact]
    public void RootNamespaceChangeRenamesWithoutRereadingTheSpec()
    {
        // An empty KeycardNamespace falls back to $(RootNamespace).Api, the one global option the generator reads.
        var files = TestSpecs.Files() with { Namespace = string.Empty };
        var (texts, options) = GeneratorHarness.Inputs(files, Global("App", unrelated: "1"));
        var compilation = GeneratorHarness.CreateCompilation("public class A { }");
        var driver = GeneratorHarness.CreateDriver(texts, options, withRefit: false).RunGenerators(compilation);
        Assert.Contains(Ours(driver.GetRunResult()).GeneratedSources, s => s.HintName.StartsWith("App.Api.", StringComparison.Ordinal));
        var reads = Reads(texts);

        driver = driver.WithUpdatedAnalyzerConfigOptions(GeneratorHarness.Inputs(files, Global("Other", unrelated: "1")).Options).RunGenerators(compilation);
        var second = Ours(driver.GetRunResult());

        Assert.Equal(reads, Reads(texts));
        Assert.All(Reasons(second, TrackingNames.InputTexts), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, TrackingNames.Parsed));
        Assert.NotEmpty(second.GeneratedSources);
        Assert.All(second.GeneratedSources, s => Assert.StartsWith("Other.Api.", s.HintName, StringComparison.Ordinal));
    }

    private static Dictionary<string, string> Global(string rootNamespace, string unrelated) => new()
    {
        ["build_property.RootNamespace"] = rootNamespace,
        ["build_property.SomeUnrelatedProperty"] = unrelated,
    };

    private static int[] Reads(IEnumerable<AdditionalText> texts) => texts.Cast<TestAdditionalText>().Select(t => t.Reads).ToArray();

    private static List<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

    private static void AssertCachedOrUnchanged(GeneratorRunResult result)
    {
        foreach (var name in StepNames)
        {
            var reasons = Reasons(result, name);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name}: {r}"));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o =>
            Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    private static GeneratorRunResult Ours(GeneratorDriverRunResult result) =>
        result.Results.Single(r => r.Generator.GetGeneratorType() == typeof(KeycardApiGenerator));

    private static void AssertNoCompilerObjects(object? value, string step, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is Compilation or ISymbol or SyntaxNode or SemanticModel or Location, $"step {step} holds a {value.GetType().Name}");
        var type = value.GetType();
        Assert.False(type.IsGenericType && type.GetGenericTypeDefinition() == typeof(System.Collections.Immutable.ImmutableArray<>), $"step {step} holds an ImmutableArray");
        if (value is IEnumerable enumerable)
        {
            foreach (var item in enumerable)
            {
                AssertNoCompilerObjects(item, step, seen);
            }

            return;
        }

        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoCompilerObjects(field.GetValue(value), step, seen);
        }
    }
}
