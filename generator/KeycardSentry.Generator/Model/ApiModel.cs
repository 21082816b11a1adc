using KeycardSentry.Generator.Diagnostics;

namespace KeycardSentry.Generator.Model;

/// <summary>Everything the emitter needs for one spec. Value-equal, so an unchanged spec keeps its outputs cached.</summary>
internal sealed record ApiModel(
    string SpecPath,
    string Namespace,
    string Prefix,
    ScopeCatalogSpec Catalog,
    EquatableArray<InterfaceSpec> Interfaces,
    EquatableArray<ModelClassSpec> Models);

/// <summary>One Refit interface (one OpenAPI tag).</summary>
internal sealed record InterfaceSpec(string Name, string Tag, EquatableArray<OperationSpec> Operations);

/// <summary>HTTP method as Refit spells its attribute (Get, Post, ...).</summary>
internal sealed record OperationSpec(
    string OperationId,
    string HttpMethod,
    string Path,
    string MethodName,
    string Summary,
    string? Description,
    EquatableArray<string> Scopes,
    EquatableArray<ParameterSpec> Parameters,
    string? ResponseType,
    string? PageItemType,
    bool IsPaginated)
{
    /// <summary>True when the spec lists at least one scope for the operation (requirements without scopes add none).</summary>
    public bool HasSecurity => Scopes.Count > 0;
}

/// <summary>Where a method parameter goes in the request.</summary>
internal enum ParameterKind
{
    Path,
    Query,
    Body,
    MultipartBody,
}

/// <summary>A method parameter. <see cref="Type"/> is C# syntax, already nullable-annotated when optional.</summary>
internal sealed record ParameterSpec(
    string WireName,
    string CsName,
    string Type,
    ParameterKind Kind,
    bool Required,
    bool IsArray,
    string? Description);

/// <summary>A generated JSON model class.</summary>
internal sealed record ModelClassSpec(
    string Name,
    string? Description,
    EquatableArray<PropertySpec> Properties,
    bool KeepsUnknownProperties,
    string ExtensionDataName);

/// <summary>
/// A model property. <see cref="Type"/> is C# syntax including its nullable annotation (always nullable: null means
/// absent or null on the wire). <see cref="Presence"/> is what the schema says, for the documentation.
/// </summary>
internal sealed record PropertySpec(string JsonName, string CsName, string Type, string? Description, PropertyPresence Presence);

/// <summary>What a schema says about a property's presence.</summary>
internal enum PropertyPresence
{
    /// <summary>Not in the schema's <c>required</c> list.</summary>
    Optional,

    /// <summary>Required and not nullable.</summary>
    Required,

    /// <summary>Required, and null is allowed.</summary>
    RequiredNullable,
}

/// <summary>The scope catalog of a spec.</summary>
internal sealed record ScopeCatalogSpec(
    string Resource,
    EquatableArray<string> DefaultGrant,
    EquatableArray<ScopeSpec> Scopes,
    EquatableArray<RegionSpec> Regions);

/// <summary>A scope, the C# constant that names it, and every scope a token holding it has (itself included).</summary>
internal sealed record ScopeSpec(string Name, string ConstName, EquatableArray<string> Implies, string? Description);

/// <summary>A regional base address of the API.</summary>
internal sealed record RegionSpec(string Name, string ConstName, string BaseUrl);

/// <summary>Result of parsing one spec: a model (null when the spec could not be used) and its diagnostics.</summary>
internal sealed record ParseResult(ApiModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
