using KeycardSentry.Generator.Diagnostics;

namespace KeycardSentry.Generator.Model;

/// <summary>Everything the emitter needs for one spec. Value-equal, so an unchanged spec keeps its outputs cached.</summary>
internal sealed record ApiModel(
    string SpecPath,
    string Namespace,
    string Prefix,
    ScopeCatalogSpec Catalog,
    EquatableArray<InterfaceSpec> Interfaces,
    EquatableArray<ModelClassSpec> Models)
{
    public string ModelsNamespace => Namespace + ".Models";
}

/// <summary>One Refit interface (one OpenAPI tag).</summary>
internal sealed record InterfaceSpec(string Name, string Tag, EquatableArray<OperationSpec> Operations);

/// <summary>One operation and the method that calls it.</summary>
/// <param name="OperationId">The spec's operationId (or the name derived when it has none).</param>
/// <param name="HttpMethod">HTTP method as Refit spells its attribute (Get, Post, ...).</param>
/// <param name="Path">The path template, exactly as in the spec.</param>
/// <param name="MethodName">The generated method (PascalCase operationId + Async).</param>
/// <param name="Summary">The spec's summary, or null.</param>
/// <param name="Description">The spec's description, or null.</param>
/// <param name="Scopes">The scopes of which any one suffices (empty: none listed).</param>
/// <param name="Parameters">The method parameters, required first.</param>
/// <param name="Response">The 2xx JSON body type, or null when there is none.</param>
/// <param name="IsPaginated">True when the operation takes a <c>cursor</c> query parameter.</param>
/// <param name="Deprecation">Set when the spec marks the operation deprecated.</param>
/// <param name="DocumentationUrl">The operation's <c>externalDocs.url</c>, or null.</param>
internal sealed record OperationSpec(
    string OperationId,
    string HttpMethod,
    string Path,
    string MethodName,
    string? Summary,
    string? Description,
    EquatableArray<string> Scopes,
    EquatableArray<ParameterSpec> Parameters,
    TypeSpec? Response,
    bool IsPaginated,
    DeprecationSpec? Deprecation,
    string? DocumentationUrl)
{
    /// <summary>True when the spec lists at least one scope for the operation (requirements without scopes add none).</summary>
    public bool HasSecurity => Scopes.Count > 0;

    /// <summary>The item type an <c>Enumerate…Async</c> helper yields: the element of a list response; null otherwise.</summary>
    public TypeSpec? PageItem => IsPaginated && Response is { Kind: TypeKind.List } list ? list.Element : null;
}

/// <summary>A deprecated operation and, when the spec names one, the operationId that replaces it.</summary>
internal sealed record DeprecationSpec(string? ReplacedBy);

/// <summary>Where a method parameter goes in the request.</summary>
internal enum ParameterKind
{
    Path,
    Query,
    Body,
    MultipartBody,
}

/// <summary>A method parameter. <see cref="Type"/> is the type without its nullable mark; optional ones get <c>?</c> and <c>= null</c>.</summary>
internal sealed record ParameterSpec(
    string WireName,
    string CsName,
    TypeSpec Type,
    ParameterKind Kind,
    bool Required,
    string? Description);

/// <summary>A generated JSON model class.</summary>
internal sealed record ModelClassSpec(
    string Name,
    string? Description,
    EquatableArray<PropertySpec> Properties,
    bool KeepsUnknownProperties,
    string ExtensionDataName);

/// <summary>
/// A model property. Every property is emitted nullable (null means absent or null on the wire);
/// <see cref="Presence"/> is what the schema says, for the documentation.
/// </summary>
internal sealed record PropertySpec(string JsonName, string CsName, TypeSpec Type, string? Description, PropertyPresence Presence);

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
