using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KeycardSentry.Generator.Tests.Infrastructure;

/// <summary>A spec file and its catalog for a driver run.</summary>
internal sealed record SpecFiles(string SpecText, string CatalogText, string Namespace = "Test.Api", string Prefix = "Test", string SpecPath = "/specs/test.openapi.json", string CatalogPath = "/specs/test.scopes.json", bool CatalogIsAdditionalFile = true);

/// <summary>Runs our generator together with Refit's generator in one CSharpGeneratorDriver, as the compiler does.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);
    private static readonly Lazy<IIncrementalGenerator[]> LazyRefitGenerators = new(LoadRefitGenerators);

    /// <summary>The framework and libraries, without this test assembly and without the compiled Sentry SDK (which the
    /// driver tests generate themselves; <see cref="SentrySdk"/> is for the tests that call it as users do).</summary>
    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    /// <summary>The compiled SDK, runtime/KeycardSentry.Sentry, as a user project references it.</summary>
    public static MetadataReference SentrySdk { get; } = MetadataReference.CreateFromFile(typeof(KeycardSentry.Sentry.SentryScopes).Assembly.Location);

    public static IIncrementalGenerator[] RefitGenerators => LazyRefitGenerators.Value;

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CSharpCompilation.Create(
            "Generated",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"/src/Source{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static (ImmutableArray<AdditionalText> Texts, TestOptionsProvider Options) Inputs(SpecFiles files, IReadOnlyDictionary<string, string>? global = null)
    {
        var texts = new List<AdditionalText> { new TestAdditionalText(files.SpecPath, files.SpecText) };
        var perFile = new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [files.SpecPath] = new Dictionary<string, string>
            {
                ["build_metadata.AdditionalFiles.KeycardApiSpec"] = "true",
                ["build_metadata.AdditionalFiles.KeycardScopeCatalog"] = files.CatalogPath,
                ["build_metadata.AdditionalFiles.KeycardNamespace"] = files.Namespace,
                ["build_metadata.AdditionalFiles.KeycardClientPrefix"] = files.Prefix,
            },
        };
        if (files.CatalogIsAdditionalFile)
        {
            texts.Add(new TestAdditionalText(files.CatalogPath, files.CatalogText));
            perFile[files.CatalogPath] = new Dictionary<string, string> { ["build_metadata.AdditionalFiles.KeycardScopeCatalogFile"] = "true" };
        }

        return (texts.ToImmutableArray(), new TestOptionsProvider(global ?? new Dictionary<string, string>(), perFile));
    }

    public static GeneratorDriver CreateDriver(SpecFiles files, bool withRefit = true) => CreateDriver(files, out _, withRefit);

    public static GeneratorDriver CreateDriver(SpecFiles files, out ImmutableArray<AdditionalText> texts, bool withRefit = true)
    {
        (texts, var options) = Inputs(files);
        return CreateDriver(texts, options, withRefit);
    }

    /// <summary>A driver over the given AdditionalFiles items and options (for tests that add unrelated items or options).</summary>
    public static GeneratorDriver CreateDriver(ImmutableArray<AdditionalText> texts, AnalyzerConfigOptionsProvider options, bool withRefit = true)
    {
        var generators = new List<ISourceGenerator> { new KeycardApiGenerator().AsSourceGenerator() };
        if (withRefit)
        {
            generators.AddRange(RefitGenerators.Select(g => g.AsSourceGenerator()));
        }

        return CSharpGeneratorDriver.Create(
            generators,
            texts,
            ParseOptions,
            options,
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
    }

    /// <summary>Runs generation and returns the run result, the output compilation and the generator diagnostics.</summary>
    public static (GeneratorDriver Driver, GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> Diagnostics) Run(SpecFiles files, params string[] sources)
    {
        var driver = CreateDriver(files).RunGeneratorsAndUpdateCompilation(CreateCompilation(sources), out var output, out var diagnostics);
        return (driver, driver.GetRunResult(), output, diagnostics);
    }

    /// <summary>The trees our generator produced (Refit's are excluded).</summary>
    public static IEnumerable<SyntaxTree> OurTrees(GeneratorDriverRunResult result) =>
        result.Results.Where(r => r.Generator.GetGeneratorType() == typeof(KeycardApiGenerator)).SelectMany(r => r.GeneratedSources).Select(s => s.SyntaxTree);

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var excluded = new[] { typeof(GeneratorHarness).Assembly.Location, typeof(KeycardSentry.Sentry.SentryScopes).Assembly.Location };
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trusted
            .Where(p => !excluded.Contains(p, StringComparer.OrdinalIgnoreCase))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }

    private static IIncrementalGenerator[] LoadRefitGenerators()
    {
        var path = typeof(GeneratorHarness).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RefitAnalyzerPath").Value!;
        var assembly = Assembly.LoadFrom(path);
        return assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(IIncrementalGenerator).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IIncrementalGenerator)Activator.CreateInstance(t)!)
            .ToArray();
    }
}
