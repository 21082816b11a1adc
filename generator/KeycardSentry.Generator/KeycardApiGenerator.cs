using System;
using System.Linq;
using System.Threading;
using KeycardSentry.Generator.Emitting;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace KeycardSentry.Generator;

/// <summary>
/// Generates Refit interfaces, models, a scope catalog and DI registration from each <c>KeycardApiSpec</c> item
/// (an AdditionalFiles item with Keycard metadata, added by KeycardSentry.Generator.targets).
/// </summary>
/// <remarks>
/// Source goes out through the pre-compilation output so Refit's own generator sees the interfaces and writes their
/// implementations; that phase cannot report diagnostics, so they come from an ordinary source output over the
/// same parse result. Inputs come from AdditionalTexts and analyzer options only (the pre-compilation phase has no
/// Compilation).
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class KeycardApiGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Each AdditionalText is paired with its own per-file metadata first: the options provider changes whenever
        // any MSBuild property or editorconfig value does, so this step re-runs then, but it only reads metadata, and
        // its value (same AdditionalText, equal settings) compares equal, so the text below is not read again.
        var inputTexts = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, _) => (Text: pair.Left, Settings: InputSettings.Read(pair.Right.GetOptions(pair.Left))))
            .Where(static file => file.Settings is not null)
            .Select(static (file, ct) => new InputText(file.Text.Path, file.Text.GetText(ct)?.ToString(), file.Settings!))
            .WithTrackingName(TrackingNames.InputTexts);

        // The only global option the generator needs, projected to a string so other global changes stop here.
        var rootNamespace = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => provider.GlobalOptions.TryGetValue("build_property.RootNamespace", out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null)
            .WithTrackingName(TrackingNames.RootNamespace);

        var inputs = inputTexts
            .Combine(rootNamespace)
            .Select(static (pair, _) => InputFile.From(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.InputFiles);

        var specs = inputs.Where(static input => input.IsSpec).WithTrackingName(TrackingNames.Specs);
        var catalogs = inputs
            .Where(static input => !input.IsSpec)
            .Collect()
            .Select(static (all, _) => all.ToEquatableArray())
            .WithTrackingName(TrackingNames.Catalogs);

        var parsed = specs
            .Combine(catalogs)
            .Select(static (pair, _) => new SpecWithCatalog(pair.Left, FindCatalog(pair.Left, pair.Right)))
            .WithTrackingName(TrackingNames.SpecWithCatalog)
            .Select(static (input, ct) => SpecParser.Parse(input, ct))
            .WithTrackingName(TrackingNames.Parsed);

        var models = parsed
            .Select(static (result, _) => result.Model)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Model);

        var diagnostics = parsed
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        // RSEXPERIMENTAL007: pre-compilation output is experimental in Roslyn 5.x. It is the only output Refit's
        // generator can see, and without it the interfaces would get no implementation.
#pragma warning disable RSEXPERIMENTAL007
        context.RegisterPreCompilationSourceOutput(models, static (ctx, model) => AddSources(model, ctx.AddSource, ctx.CancellationToken));
#pragma warning restore RSEXPERIMENTAL007

        context.RegisterSourceOutput(diagnostics, static (ctx, infos) =>
        {
            foreach (var info in infos)
            {
                ctx.ReportDiagnostic(info.ToDiagnostic());
            }
        });
    }

    private static void AddSources(ApiModel model, Action<string, string> addSource, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var (hintName, text) in Emitter.Emit(model, cancellationToken))
            {
                addSource(hintName, text);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // This phase cannot report diagnostics; an #error makes the failure visible without crashing the build.
            var message = (ex.GetType().Name + ": " + ex.Message).Replace('\r', ' ').Replace('\n', ' ');
            addSource(model.Namespace + "." + model.Prefix + ".GeneratorError.g.cs", $"#error KSG009 KeycardSentry.Generator failed on '{model.SpecPath}': {message}\n");
        }
    }

    private static InputFile? FindCatalog(InputFile spec, EquatableArray<InputFile> catalogs) =>
        spec.CatalogPath is null ? null : catalogs.FirstOrDefault(c => SamePath(c.Path, spec.CatalogPath));

    private static bool SamePath(string a, string b) =>
        string.Equals(a.Replace('\\', '/'), b.Replace('\\', '/'), StringComparison.OrdinalIgnoreCase);
}
