using System;
using System.Linq;
using KeycardSentry.Generator.Parsing;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KeycardSentry.Generator.Model;

/// <summary>An AdditionalFiles item the generator cares about: a spec (with its settings) or a scope catalog.</summary>
/// <param name="Path">Full path of the file.</param>
/// <param name="Text">The file's text (null when it could not be read).</param>
/// <param name="IsSpec">True for a <c>KeycardApiSpec</c> item, false for a scope catalog.</param>
/// <param name="Namespace">Namespace of the generated code (specs only).</param>
/// <param name="ClientPrefix">Prefix of generated type names (specs only).</param>
/// <param name="CatalogPath">Full path of the spec's scope catalog (specs only; may be null).</param>
internal sealed record InputFile(string Path, string? Text, bool IsSpec, string Namespace, string ClientPrefix, string? CatalogPath)
{
    /// <summary>Applies the defaults to an item's settings; <paramref name="rootNamespace"/> is the project's RootNamespace.</summary>
    public static InputFile From(InputText input, string? rootNamespace)
    {
        var settings = input.Settings;
        return settings.IsSpec
            ? new InputFile(input.Path, input.Text, true, SpecDefaults.Namespace(settings.Namespace, rootNamespace), SpecDefaults.ClientPrefix(settings.ClientPrefix), settings.CatalogPath)
            : new InputFile(input.Path, input.Text, false, string.Empty, string.Empty, null);
    }
}

/// <summary>
/// The defaults of a <c>KeycardApiSpec</c> item's settings, in one place (the MSBuild targets pass the metadata through
/// unchanged, empty when unset).
/// </summary>
internal static class SpecDefaults
{
    /// <summary>The <c>ClientPrefix</c> when none is set.</summary>
    public const string Prefix = "Api";

    /// <summary>The namespace when neither <c>Namespace</c> nor the project's RootNamespace is set.</summary>
    public const string FallbackNamespace = "KeycardApi";

    /// <summary><c>Namespace</c> as set, else <c>$(RootNamespace).Api</c>, else <c>KeycardApi</c>; always a legal C# namespace.</summary>
    public static string Namespace(string? configured, string? rootNamespace) =>
        Sanitise(configured ?? (rootNamespace is null ? FallbackNamespace : rootNamespace + "." + Prefix));

    /// <summary><c>ClientPrefix</c> as set (made a legal identifier part), else <see cref="Prefix"/>.</summary>
    public static string ClientPrefix(string? configured) => Naming.Pascal(configured ?? Prefix);

    private static string Sanitise(string value) =>
        string.Join(".", value.Split(new[] { '.' }, StringSplitOptions.RemoveEmptyEntries).Select(part =>
        {
            var trimmed = part.Trim();
            return trimmed.Length > 0 && (char.IsLetter(trimmed[0]) || trimmed[0] == '_') && trimmed.All(c => char.IsLetterOrDigit(c) || c == '_')
                ? Naming.EscapeKeyword(trimmed)
                : Naming.Pascal(trimmed);
        }));
}

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
    public static InputSettings? Read(AnalyzerConfigOptions options)
    {
        if (IsTrue(options, "KeycardApiSpec"))
        {
            return new InputSettings(true, Value(options, "KeycardNamespace"), Value(options, "KeycardClientPrefix"), Value(options, "KeycardScopeCatalog"));
        }

        return IsTrue(options, "KeycardScopeCatalogFile") ? new InputSettings(false, null, null, null) : null;
    }

    private static bool IsTrue(AnalyzerConfigOptions options, string name) =>
        string.Equals(Value(options, name), "true", StringComparison.OrdinalIgnoreCase);

    private static string? Value(AnalyzerConfigOptions options, string name) =>
        options.TryGetValue(Metadata + name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}

/// <summary>The text of a spec or catalog item with its settings; the global RootNamespace is not applied yet.</summary>
/// <param name="Path">Full path of the file.</param>
/// <param name="Text">The file's text (null when it could not be read).</param>
/// <param name="Settings">The item's Keycard metadata.</param>
internal sealed record InputText(string Path, string? Text, InputSettings Settings);
