using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KeycardSentry.Generator.Diagnostics;
using KeycardSentry.Generator.Model;
using Microsoft.OpenApi;

namespace KeycardSentry.Generator.Parsing;

/// <summary>
/// Reads one operation: its name, tag and scopes, its parameters and body (<see cref="ParameterReader"/>), its 2xx
/// response, deprecation and documentation link. Skips it with a diagnostic when it cannot be called correctly.
/// </summary>
internal sealed class OperationReader
{
    /// <summary>The operation extension naming the operationId that replaces a deprecated operation.</summary>
    public const string ReplacedByExtension = "x-keycard-replaced-by";

    private static readonly Regex PathParameter = new(@"\{([^{}]+)\}", RegexOptions.CultureInvariant);

    private readonly OpenApiDocument _document;
    private readonly HashSet<string> _knownScopes;
    private readonly SchemaMapper _mapper;
    private readonly SpecLocator _locator;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly HashSet<string> _operationIds = new(StringComparer.Ordinal);

    public OperationReader(OpenApiDocument document, ScopeCatalogSpec catalog, SchemaMapper mapper, SpecLocator locator, List<DiagnosticInfo> diagnostics)
    {
        _document = document;
        _knownScopes = new HashSet<string>(catalog.Scopes.Select(s => s.Name), StringComparer.Ordinal);
        _mapper = mapper;
        _locator = locator;
        _diagnostics = diagnostics;
    }

    public void Read(string path, IOpenApiPathItem pathItem, HttpMethod method, string refitMethod, OpenApiOperation operation, InterfaceGroups groups)
    {
        var opIndex = _locator.FindOperation(path, method.Method);
        _mapper.SearchFrom = Math.Max(0, opIndex);
        var opLocation = _locator.StringAt(opIndex, method.Method.ToLowerInvariant()) ?? _locator.StringAt(_locator.FindKey(path, 0), path);
        var (operationId, baseName) = Name(path, method, refitMethod, operation, opLocation);
        var idLocation = _locator.KeyValue("operationId", operationId, opIndex) ?? opLocation;
        if (!_operationIds.Add(operationId))
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateOperationId, idLocation, operationId, method.Method, path));
            return;
        }

        var parameters = ParameterReader.Merge(pathItem.Parameters, operation.Parameters);
        var declaredPath = new HashSet<string>(parameters.Where(p => p.In == ParameterLocation.Path).Select(p => p.Name!), StringComparer.Ordinal);
        var undeclared = PathParameter.Matches(path).Cast<Match>().Select(m => m.Groups[1].Value).FirstOrDefault(n => !declaredPath.Contains(n));
        if (undeclared is not null)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndeclaredPathParameter, _locator.StringAt(_locator.FindPath(path), path), undeclared, method.Method, path));
            return;
        }

        var group = groups.For(operation.Tags?.FirstOrDefault()?.Name);
        var methodBase = Naming.Unique(baseName, group.MethodNames);
        var scopes = ReadScopes(operation.Security ?? _document.Security, operationId, opIndex, opLocation);
        var methodParameters = ParameterReader.Read(parameters, operation, methodBase, operationId, _mapper, opLocation, _diagnostics);
        var response = ReadResponse(operation, methodBase, operationId, opLocation);
        var paginated = parameters.Any(p => p.In == ParameterLocation.Query && p.Name == "cursor");
        if (paginated && response is not { Kind: TypeKind.List })
        {
            // Without a list there is no item type to yield, so the Link-following helper is left out.
            var shape = response is null ? "it has no 2xx JSON response" : "its 2xx response is " + TypeSyntaxForDiagnostics(response);
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PaginatedResponseNotAList, idLocation, operationId, shape));
        }

        group.Operations.Add(new OperationSpec(
            operationId,
            refitMethod,
            path,
            methodBase + "Async",
            string.IsNullOrWhiteSpace(operation.Summary) ? null : operation.Summary,
            string.IsNullOrWhiteSpace(operation.Description) ? null : operation.Description,
            scopes.ToEquatableArray(),
            methodParameters.ToEquatableArray(),
            response,
            paginated,
            operation.Deprecated ? new DeprecationSpec(StringExtension(operation, ReplacedByExtension)) : null,
            operation.ExternalDocs?.Url?.ToString()));
    }

    private (string OperationId, string BaseName) Name(string path, HttpMethod method, string refitMethod, OpenApiOperation operation, SpecLocation? opLocation)
    {
        if (!string.IsNullOrWhiteSpace(operation.OperationId))
        {
            return (operation.OperationId!, Naming.Pascal(operation.OperationId));
        }

        var derived = refitMethod + Naming.Pascal(path.Replace("/api/0/", "/").Replace("{", "/By/").Replace("}", "/"));
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingOperationId, opLocation, method.Method, path, derived + "Async"));
        return (derived, derived);
    }

    private List<string> ReadScopes(IList<OpenApiSecurityRequirement>? security, string operationId, int opIndex, SpecLocation? opLocation)
    {
        // Sentry's semantics: the listed scopes are any-of. Requirements without scopes (e.g. DSN auth) add nothing.
        var scopes = new List<string>();
        foreach (var raw in (security ?? Array.Empty<OpenApiSecurityRequirement>()).SelectMany(r => r.Values).SelectMany(v => v ?? new List<string>()))
        {
            var location = _locator.StringAt(_locator.FindString(raw, opIndex), raw) ?? opLocation;
            if (ScopeText.Normalise(raw, out var scope))
            {
                _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MalformedScope, location, operationId, raw, scope));
            }

            if (scope.Length == 0 || scopes.Contains(scope))
            {
                continue;
            }

            if (!_knownScopes.Contains(scope))
            {
                _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownScope, location, operationId, scope));
            }

            scopes.Add(scope);
        }

        return scopes;
    }

    /// <summary>The first 2xx response (by status code) with a JSON schema; null when there is none.</summary>
    private TypeSpec? ReadResponse(OpenApiOperation operation, string methodBase, string operationId, SpecLocation? opLocation)
    {
        foreach (var response in (operation.Responses ?? new OpenApiResponses()).Where(r => r.Key.StartsWith("2", StringComparison.Ordinal)).OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var json = response.Value?.Content?.FirstOrDefault(c => ParameterReader.IsJson(c.Key)).Value;
            if (json?.Schema is not null)
            {
                return _mapper.Map(json.Schema, methodBase + "Response", $"response of '{operationId}'", opLocation);
            }
        }

        return null;
    }

    private static string? StringExtension(OpenApiOperation operation, string name) =>
        operation.Extensions is { } extensions && extensions.TryGetValue(name, out var extension) &&
        extension is JsonNodeExtension { Node: JsonValue value } && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text)
            ? text.Trim()
            : null;

    private static string TypeSyntaxForDiagnostics(TypeSpec type) => type.Kind switch
    {
        TypeKind.Model => type.Name,
        TypeKind.Map => "a map",
        TypeKind.JsonElement => "untyped JSON",
        _ => type.Kind == TypeKind.Keyword ? type.Name : type.Kind.ToString(),
    };
}
