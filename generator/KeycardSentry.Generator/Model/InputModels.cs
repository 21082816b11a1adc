namespace KeycardSentry.Generator.Model;

/// <summary>An AdditionalFiles item the generator cares about: a spec (with its settings) or a scope catalog.</summary>
/// <param name="Path">Full path of the file.</param>
/// <param name="Text">The file's text (null when it could not be read).</param>
/// <param name="IsSpec">True for a <c>KeycardApiSpec</c> item, false for a scope catalog.</param>
/// <param name="Namespace">Namespace of the generated code (specs only).</param>
/// <param name="ClientPrefix">Prefix of generated type names (specs only).</param>
/// <param name="CatalogPath">Full path of the spec's scope catalog (specs only; may be null).</param>
internal sealed record InputFile(string Path, string? Text, bool IsSpec, string Namespace, string ClientPrefix, string? CatalogPath);

/// <summary>A spec together with the text of the catalog it names.</summary>
internal sealed record SpecWithCatalog(InputFile Spec, InputFile? Catalog);

/// <summary>The Keycard metadata of one AdditionalFiles item, read without touching its text.</summary>
/// <param name="IsSpec">True for a <c>KeycardApiSpec</c> item, false for a scope catalog.</param>
/// <param name="Namespace">The <c>KeycardNamespace</c> metadata (specs only; null when unset).</param>
/// <param name="ClientPrefix">The <c>KeycardClientPrefix</c> metadata (specs only; null when unset).</param>
/// <param name="CatalogPath">The <c>KeycardScopeCatalog</c> metadata (specs only; null when unset).</param>
internal sealed record InputSettings(bool IsSpec, string? Namespace, string? ClientPrefix, string? CatalogPath)
{
    private const string Metadata = "build_metadata.AdditionalFiles.";

    /// <summary>The item's settings, or null when it is neither a spec nor a catalog.</summary>
    public static InputSettings? Read(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options)
    {
        if (IsTrue(options, "KeycardApiSpec"))
        {
            return new InputSettings(true, Value(options, "KeycardNamespace"), Value(options, "KeycardClientPrefix"), Value(options, "KeycardScopeCatalog"));
        }

        return IsTrue(options, "KeycardScopeCatalogFile") ? new InputSettings(false, null, null, null) : null;
    }

    private static bool IsTrue(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options, string name) =>
        string.Equals(Value(options, name), "true", System.StringComparison.OrdinalIgnoreCase);

    private static string? Value(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options, string name) =>
        options.TryGetValue(Metadata + name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}

/// <summary>The text of a spec or catalog item with its settings; the global RootNamespace is not applied yet.</summary>
/// <param name="Path">Full path of the file.</param>
/// <param name="Text">The file's text (null when it could not be read).</param>
/// <param name="Settings">The item's Keycard metadata.</param>
internal sealed record InputText(string Path, string? Text, InputSettings Settings);
