using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using KeycardSentry.Generator.Diagnostics;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing.Document;

namespace KeycardSentry.Generator.Parsing;

/// <summary>
/// Reads one operation: its name, tag and scopes, its parameters and body (<see cref="ParameterReader"/>), its 2xx
/// response, deprecation and documentation link. Skips it with a diagnostic when it cannot be called correctly.
/// </summary>
internal sealed class OperationReader
{
    /// <summary>The operation extension naming the operationId that replaces a deprecated operation.</summary>
    public const string ReplacedByExtension = "x-keycard-replaced-by";

    private static readonly char[] Braces = { '{', '}' };

    private readonly SpecDocument _document;
    private readonly HashSet<string> _knownScopes;
    private readonly SchemaMapper _mapper;
    private readonly SpecLocator _locator;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly HashSet<string> _operationIds = new(StringComparer.Ordinal);

    public OperationReader(SpecDocument document, ScopeCatalogSpec catalog, SchemaMapper mapper, SpecLocator locator, List<DiagnosticInfo> diagnostics)
    {
        _document = document;
        _knownScopes = new HashSet<string>(catalog.Scopes.Select(s => s.Name), StringComparer.Ordinal);
        _mapper = mapper;
        _locator = locator;
        _diagnostics = diagnostics;
    }

    public void Read(string path, JsonElement pathItem, string method, string refitMethod, JsonElement operation, InterfaceGroups groups)
    {
        var opIndex = _locator.FindOperation(path, method);
        _mapper.SearchFrom = Math.Max(0, opIndex);
        var opLocation = _locator.StringAt(opIndex, method) ?? _locator.StringAt(_locator.FindKey(path, 0), path);
        var (operationId, baseName) = Name(path, method, refitMethod, operation, opLocation);
        var idLocation = _locator.KeyValue("operationId", operationId, opIndex) ?? opLocation;
        if (!_operationIds.Add(operationId))
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateOperationId, idLocation, operationId, method.ToUpperInvariant(), path));
            return;
        }

        var parameters = ParameterReader.Merge(_document, pathItem, operation);
        var declaredPath = new HashSet<string>(parameters.Where(p => p.In == "path").Select(p => p.Name), StringComparer.Ordinal);
        var undeclared = FirstUndeclared(path, declaredPath);
        if (undeclared is not null)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndeclaredPathParameter, _locator.StringAt(_locator.FindPath(path), path), undeclared, method.ToUpperInvariant(), path));
            return;
        }

        var tags = SpecDocument.Member(operation, "tags");
        var tag = tags is { ValueKind: JsonValueKind.Array } list && list.GetArrayLength() > 0 && list[0].ValueKind == JsonValueKind.String ? list[0].GetString() : null;
        var group = groups.For(tag);
        var methodBase = Naming.Unique(baseName, group.MethodNames);
        var scopes = ReadScopes(SpecDocument.Member(operation, "security") ?? SpecDocument.Member(_document.Root, "security"), operationId, opIndex, opLocation);
        var methodParameters = ParameterReader.Read(_document, parameters, operation, methodBase, operationId, _mapper, opLocation, _diagnostics);
        var response = ReadResponse(operation, methodBase, operationId, opLocation);
        var paginated = parameters.Any(p => p.In == "query" && p.Name == "cursor");
        if (paginated && response is not { Kind: TypeKind.List })
        {
            // Without a list there is no item type to yield, so the Link-following helper is left out.
            var shape = response is null ? "it has no 2xx JSON response" : "its 2xx response is " + TypeSyntaxForDiagnostics(response);
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PaginatedResponseNotAList, idLocation, operationId, shape));
        }

        var summary = SpecDocument.String(operation, "summary");
        var description = SpecDocument.String(operation, "description");
        group.Operations.Add(new OperationSpec(
            operationId,
            refitMethod,
            path,
            methodBase + "Async",
            string.IsNullOrWhiteSpace(summary) ? null : summary,
            string.IsNullOrWhiteSpace(description) ? null : description,
            scopes.ToEquatableArray(),
            methodParameters.ToEquatableArray(),
            response,
            paginated,
            SpecDocument.True(operation, "deprecated") ? new DeprecationSpec(NonBlank(SpecDocument.String(operation, ReplacedByExtension))) : null,
            NonBlank(SpecDocument.String(SpecDocument.Member(operation, "externalDocs"), "url"))));
    }

    private (string OperationId, string BaseName) Name(string path, string method, string refitMethod, JsonElement operation, SpecLocation? opLocation)
    {
        if (SpecDocument.String(operation, "operationId") is { } id && !string.IsNullOrWhiteSpace(id))
        {
            return (id, Naming.Pascal(id));
        }

        var derived = refitMethod + Naming.Pascal(path.Replace("/api/0/", "/").Replace("{", "/By/").Replace("}", "/"));
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingOperationId, opLocation, method.ToUpperInvariant(), path, derived + "Async"));
        return (derived, derived);
    }

    private List<string> ReadScopes(JsonElement? security, string operationId, int opIndex, SpecLocation? opLocation)
    {
        // Sentry's semantics: the listed scopes are any-of. Requirements without scopes (e.g. DSN auth) add nothing.
        var scopes = new List<string>();
        foreach (var raw in Scopes(security))
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

    private static List<string> Scopes(JsonElement? security)
    {
        var scopes = new List<string>();
        if (security is not { ValueKind: JsonValueKind.Array } requirements)
        {
            return scopes;
        }

        foreach (var requirement in requirements.EnumerateArray())
        {
            if (requirement.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var scheme in requirement.EnumerateObject())
            {
                if (scheme.Value.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var scope in scheme.Value.EnumerateArray())
                {
                    if (scope.ValueKind == JsonValueKind.String)
                    {
                        scopes.Add(scope.GetString()!);
                    }
                }
            }
        }

        return scopes;
    }

    /// <summary>The first 2xx response (by status code) with a JSON schema; null when there is none.</summary>
    private TypeSpec? ReadResponse(JsonElement operation, string methodBase, string operationId, SpecLocation? opLocation)
    {
        if (SpecDocument.Member(operation, "responses") is not { ValueKind: JsonValueKind.Object } responses)
        {
            return null;
        }

        // The 2xx responses by status code, in a stable order (a sort of a handful of names, without LINQ's generic machinery).
        var names = new List<string>();
        var values = new List<JsonElement>();
        foreach (var response in responses.EnumerateObject())
        {
            if (!response.Name.StartsWith("2", StringComparison.Ordinal))
            {
                continue;
            }

            var at = names.Count;
            while (at > 0 && string.CompareOrdinal(names[at - 1], response.Name) > 0)
            {
                at--;
            }

            names.Insert(at, response.Name);
            values.Insert(at, response.Value);
        }

        foreach (var value in values)
        {
            if (ParameterReader.JsonSchema(_document, _document.Resolve(value)) is { } schema)
            {
                return _mapper.Map(schema, methodBase + "Response", $"response of '{operationId}'", opLocation);
            }
        }

        return null;
    }

    /// <summary>The first <c>{name}</c> of the path template (no brace inside) that is not in <paramref name="declared"/>, or null.</summary>
    private static string? FirstUndeclared(string path, HashSet<string> declared)
    {
        for (var open = path.IndexOf('{'); open >= 0; open = path.IndexOf('{', open + 1))
        {
            var end = path.IndexOfAny(Braces, open + 1);
            if (end > open + 1 && path[end] == '}')
            {
                var name = path.Substring(open + 1, end - open - 1);
                if (!declared.Contains(name))
                {
                    return name;
                }

                open = end;
            }
        }

        return null;
    }

    private static string? NonBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text!.Trim();

    private static string TypeSyntaxForDiagnostics(TypeSpec type) => type.Kind switch
    {
        TypeKind.Model => type.Name,
        TypeKind.Map => "a map",
        TypeKind.JsonElement => "untyped JSON",
        _ => type.Kind == TypeKind.Keyword ? type.Name : type.Kind.ToString(),
    };
}
