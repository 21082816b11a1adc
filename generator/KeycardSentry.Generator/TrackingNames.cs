namespace KeycardSentry.Generator;

/// <summary>Names of the generator's pipeline steps, for incremental-cache tests (WithTrackingName).</summary>
internal static class TrackingNames
{
    /// <summary>The text of each AdditionalFiles item whose metadata marks it as a spec or catalog (the only step that reads text).</summary>
    public const string InputTexts = "KeycardInputTexts";

    /// <summary>The RootNamespace build property, the one global option the generator reads.</summary>
    public const string RootNamespace = "KeycardRootNamespace";

    /// <summary>AdditionalFiles items with Keycard metadata turned into plain input records.</summary>
    public const string InputFiles = "KeycardInputFiles";

    /// <summary>The spec inputs.</summary>
    public const string Specs = "KeycardSpecs";

    /// <summary>The catalog inputs, collected.</summary>
    public const string Catalogs = "KeycardCatalogs";

    /// <summary>Each spec paired with its catalog.</summary>
    public const string SpecWithCatalog = "KeycardSpecWithCatalog";

    /// <summary>The parsed, value-equal model (plus diagnostics).</summary>
    public const string Parsed = "KeycardParsed";

    /// <summary>The model alone, feeding source output.</summary>
    public const string Model = "KeycardModel";

    /// <summary>The diagnostics alone, feeding diagnostic output.</summary>
    public const string Diagnostics = "KeycardDiagnostics";
}
