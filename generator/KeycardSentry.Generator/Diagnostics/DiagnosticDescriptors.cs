using Microsoft.CodeAnalysis;

namespace KeycardSentry.Generator.Diagnostics;

/// <summary>Every diagnostic the generator (KSG) and the scope analyzer (KSC) report.</summary>
internal static class DiagnosticDescriptors
{
    private const string GeneratorCategory = "KeycardSentry.Generator";
    private const string ScopeCategory = "KeycardSentry.Scopes";

    public static readonly DiagnosticDescriptor UnreadableSpec = new(
        "KSG001",
        "Unreadable OpenAPI document or scope catalog",
        "{0}",
        GeneratorCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The spec or its scope catalog could not be read or parsed, or the spec's Catalog names no AdditionalFiles item. Nothing (or only part) is generated for it.");

    public static readonly DiagnosticDescriptor UnknownScope = new(
        "KSG002",
        "Scope not in the catalog",
        "Operation '{0}' lists scope '{1}', which the scope catalog does not define",
        GeneratorCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A scope named by an operation's security requirement is not in the scope catalog. It is kept as-is (it implies only itself).");

    public static readonly DiagnosticDescriptor MalformedScope = new(
        "KSG003",
        "Malformed scope",
        "Operation '{0}' lists malformed scope '{1}'; it is read as '{2}'",
        GeneratorCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A scope contains whitespace or upper-case letters (Sentry's published schemas once had \"org: read\"). It is normalised.");

    public static readonly DiagnosticDescriptor DuplicateOperationId = new(
        "KSG004",
        "Duplicate operationId",
        "operationId '{0}' is used more than once; the operation {1} {2} is skipped",
        GeneratorCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UndeclaredPathParameter = new(
        "KSG005",
        "Undeclared path parameter",
        "Path parameter '{{{0}}}' of {1} {2} is not declared by the operation; the operation is skipped",
        GeneratorCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MappedToJsonElement = new(
        "KSG006",
        "Schema mapped to JsonElement",
        "{0} is mapped to System.Text.Json.JsonElement: {1}",
        GeneratorCategory,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "anyOf/oneOf, several types, or an untyped schema has no honest single C# type; the raw JSON is kept.");

    public static readonly DiagnosticDescriptor MissingOperationId = new(
        "KSG007",
        "Missing operationId",
        "{0} {1} has no operationId; the method is named '{2}'",
        GeneratorCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedParameter = new(
        "KSG008",
        "Unsupported parameter or body",
        "{0}",
        GeneratorCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A header or cookie parameter, or a request body media type other than JSON or multipart, is left out of the generated method.");

    public static readonly DiagnosticDescriptor GeneratorFailure = new(
        "KSG009",
        "Generator failure",
        "The generator failed on '{0}': {1}",
        GeneratorCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "An unexpected error inside the generator; nothing is generated for this spec. Please report it.");

    public static readonly DiagnosticDescriptor PaginatedResponseNotAList = new(
        "KSG010",
        "Paginated operation without a list response",
        "Operation '{0}' has a cursor parameter but its response is not a list ({1}); no Enumerate…Async helper is generated",
        GeneratorCategory,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "An operation with a 'cursor' query parameter is treated as paginated and returns ApiResponse<T>, but an Enumerate…Async helper needs a JSON array response to know the item type. The method itself is generated; follow the Link header by hand.");

    public static readonly DiagnosticDescriptor ScopeNotGranted = new(
        "KSC001",
        "Call needs a scope that is not granted",
        "'{0}' needs one of [{1}], but the granted scopes [{2}] (expanded: [{3}]) include none of them; grant one through KeycardGrantedScopes",
        ScopeCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The called API method requires any one of its listed scopes; the granted scopes (MSBuild property KeycardGrantedScopes, or the API assembly's KeycardDefaultGrant) do not contain one, even after expanding implications.");

    // KSC002/KSC003 are infos; with KeycardScopeReport=true the analyzer reports them with warning severity
    // (effective severity) so a plain 'dotnet build' prints them.
    public static readonly DiagnosticDescriptor MinimalScopes = new(
        "KSC002",
        "Minimal scopes for this code",
        "The {0} scoped call(s) in this project need the scopes [{1}] (a smallest grant that satisfies every call, given the catalog's implications)",
        ScopeCategory,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "Reported once per compilation. Set the MSBuild property KeycardScopeReport=true to see it as a warning in a plain 'dotnet build'.",
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor UnusedGrantedScope = new(
        "KSC003",
        "Granted scope not needed",
        "Granted scope '{0}' is not needed by any scoped call in this project",
        ScopeCategory,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "No call needs the scope or any scope it implies. Set the MSBuild property KeycardScopeReport=true to see it as a warning in a plain 'dotnet build'.",
        customTags: WellKnownDiagnosticTags.CompilationEnd);
}
