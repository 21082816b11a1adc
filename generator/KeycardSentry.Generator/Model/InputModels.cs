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
