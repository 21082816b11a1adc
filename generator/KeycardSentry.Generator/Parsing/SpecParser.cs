using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading;
using KeycardSentry.Generator.Diagnostics;
using KeycardSentry.Generator.Model;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace KeycardSentry.Generator.Parsing;

/// <summary>Spec and catalog text in, value-equal <see cref="ApiModel"/> and diagnostics out. Never throws.</summary>
internal static class SpecParser
{
    private static readonly Regex PathParameter = new(@"\{([^{}]+)\}", RegexOptions.CultureInvariant);

    private static readonly (HttpMethod Method, string Refit)[] Methods =
    {
        (HttpMethod.Get, "Get"), (HttpMethod.Post, "Post"), (HttpMethod.Put, "Put"), (new HttpMethod("PATCH"), "Patch"),
        (HttpMethod.Delete, "Delete"), (HttpMethod.Head, "Head"), (HttpMethod.Options, "Options"),
    };

    public static ParseResult Parse(SpecWithCatalog input, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var spec = input.Spec;
        try
        {
            var model = ParseCore(input, diagnostics, cancellationToken);
            return new ParseResult(model, diagnostics.ToEquatableArray());
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            // A generator must never take the build down: report and generate nothing for this spec.
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.GeneratorFailure.Id, new[] { spec.Path, ex.GetType().Name + ": " + ex.Message }.ToEquatableArray(), null, default, default));
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }
    }

    private static ApiModel? ParseCore(SpecWithCatalog input, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var spec = input.Spec;
        if (spec.Text is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableSpec, null, $"OpenAPI document '{spec.Path}' could not be read"));
            return null;
        }

        var locator = new SpecLocator(spec.Path, spec.Text);

        ScopeCatalogSpec? catalog = null;
        if (spec.CatalogPath is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableSpec, locator.File, $"OpenAPI document '{spec.Path}' names no scope catalog (set the Catalog metadata of its KeycardApiSpec item)"));
        }
        else if (input.Catalog?.Text is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableSpec, locator.File, $"Scope catalog '{spec.CatalogPath}' of '{spec.Path}' is not an AdditionalFiles item or could not be read"));
        }
        else
        {
            catalog = CatalogParser.Parse(input.Catalog.Path, input.Catalog.Text, diagnostics);
        }

        if (catalog is null)
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var result = OpenApiDocument.Parse(spec.Text, "json", new OpenApiReaderSettings());
        var document = result.Document;
        if (document is null || result.Diagnostic?.Errors is { Count: > 0 } && document.Paths is null)
        {
            var message = result.Diagnostic?.Errors.FirstOrDefault()?.ToString() ?? "no document";
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableSpec, locator.File, $"OpenAPI document '{spec.Path}' could not be parsed: {message}"));
            return null;
        }

        var knownScopes = new HashSet<string>(catalog.Scopes.Select(s => s.Name), StringComparer.Ordinal);
        var mapper = new SchemaMapper(spec.Namespace + ".Models", diagnostics, locator);

        // Component names are reserved before anything else is mapped: a $ref to X, or an inline copy of X, is X.
        if (document.Components?.Schemas is { } schemas)
        {
            mapper.AddComponents(schemas);
            mapper.MapComponents();
        }

        var operationIds = new HashSet<string>(StringComparer.Ordinal);
        var byTag = new Dictionary<string, (string Name, List<OperationSpec> Operations, HashSet<string> MethodNames)>(StringComparer.Ordinal);
        var interfaceNames = new HashSet<string>(StringComparer.Ordinal);

        foreach (var pathEntry in document.Paths ?? new OpenApiPaths())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = pathEntry.Key;
            var pathItem = pathEntry.Value;
            if (pathItem?.Operations is null)
            {
                continue;
            }

            foreach (var (method, refitMethod) in Methods)
            {
                if (!pathItem.Operations.TryGetValue(method, out var operation) || operation is null)
                {
                    continue;
                }

                var opIndex = locator.FindOperation(path, method.Method);
                mapper.SearchFrom = Math.Max(0, opIndex);
                var opLocation = locator.StringAt(opIndex, method.Method.ToLowerInvariant()) ?? locator.StringAt(locator.FindKey(path, 0), path);
                var operationId = operation.OperationId;
                string baseName;
                if (string.IsNullOrWhiteSpace(operationId))
                {
                    baseName = refitMethod + Naming.Pascal(path.Replace("/api/0/", "/").Replace("{", "/By/").Replace("}", "/"));
                    operationId = baseName;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingOperationId, opLocation, method.Method, path, baseName + "Async"));
                }
                else
                {
                    baseName = Naming.Pascal(operationId);
                }

                var idLocation = locator.KeyValue("operationId", operationId!, opIndex) ?? opLocation;
                if (!operationIds.Add(operationId!))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateOperationId, idLocation, operationId!, method.Method, path));
                    continue;
                }

                var parameters = MergeParameters(pathItem.Parameters, operation.Parameters);
                var declaredPath = new HashSet<string>(parameters.Where(p => p.In == ParameterLocation.Path).Select(p => p.Name!), StringComparer.Ordinal);
                var undeclared = PathParameter.Matches(path).Cast<Match>().Select(m => m.Groups[1].Value).FirstOrDefault(n => !declaredPath.Contains(n));
                if (undeclared is not null)
                {
                    var pathLocation = locator.StringAt(locator.FindPath(path), path);
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndeclaredPathParameter, pathLocation, undeclared, method.Method, path));
                    continue;
                }

                var tag = operation.Tags?.FirstOrDefault()?.Name;
                var tagKey = string.IsNullOrWhiteSpace(tag) ? "Default" : tag!;
                if (!byTag.TryGetValue(tagKey, out var group))
                {
                    var interfaceName = Naming.Unique("I" + spec.ClientPrefix + Naming.Pascal(tagKey, normaliseAcronyms: true) + "Api", interfaceNames);
                    group = (interfaceName, new List<OperationSpec>(), new HashSet<string>(StringComparer.Ordinal));
                    byTag[tagKey] = group;
                }

                var methodBase = Naming.Unique(baseName, group.MethodNames);
                var scopes = ReadScopes(operation.Security ?? document.Security, operationId!, knownScopes, locator, opIndex, opLocation, diagnostics);
                var methodParameters = BuildParameters(parameters, operation, methodBase, operationId!, mapper, opLocation, diagnostics);
                var (responseType, pageItem, paginated) = BuildResponse(operation, methodBase, parameters, mapper, opLocation);
                if (paginated && pageItem is null)
                {
                    // Without a list there is no item type to yield, so the Link-following helper is left out.
                    var shape = HasJsonResponse(operation) ? "its 2xx response is " + ShortType(responseType!) : "it has no 2xx JSON response";
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PaginatedResponseNotAList, idLocation, operationId!, shape));
                }


                group.Operations.Add(new OperationSpec(
                    operationId!,
                    refitMethod,
                    path,
                    methodBase + "Async",
                    string.IsNullOrWhiteSpace(operation.Summary) ? $"{method.Method.ToUpperInvariant()} {path}" : operation.Summary!,
                    operation.Description,
                    scopes.ToEquatableArray(),
                    methodParameters.ToEquatableArray(),
                    responseType,
                    pageItem,
                    paginated));
            }
        }

        var interfaces = byTag
            .OrderBy(t => t.Value.Name, StringComparer.Ordinal)
            .Select(t => new InterfaceSpec(t.Value.Name, t.Key, t.Value.Operations.ToEquatableArray()))
            .ToEquatableArray();
        return new ApiModel(spec.Path, spec.Namespace, spec.ClientPrefix, catalog, interfaces, mapper.Models.ToEquatableArray());
    }

    private static List<IOpenApiParameter> MergeParameters(IList<IOpenApiParameter>? pathLevel, IList<IOpenApiParameter>? operationLevel)
    {
        var merged = new List<IOpenApiParameter>();
        foreach (var parameter in (operationLevel ?? Array.Empty<IOpenApiParameter>()).Concat(pathLevel ?? Array.Empty<IOpenApiParameter>()))
        {
            if (parameter?.Name is not null && !merged.Any(p => p.Name == parameter.Name && p.In == parameter.In))
            {
                merged.Add(parameter);
            }
        }

        return merged;
    }

    private static List<string> ReadScopes(
        IList<OpenApiSecurityRequirement>? security,
        string operationId,
        HashSet<string> knownScopes,
        SpecLocator locator,
        int opIndex,
        SpecLocation? opLocation,
        List<DiagnosticInfo> diagnostics)
    {
        // Sentry's semantics: the listed scopes are any-of. Requirements without scopes (e.g. DSN auth) add nothing.
        var scopes = new List<string>();
        foreach (var requirement in security ?? Array.Empty<OpenApiSecurityRequirement>())
        {
            foreach (var raw in requirement.Values.SelectMany(v => v ?? new List<string>()))
            {
                var location = locator.StringAt(locator.FindString(raw, opIndex), raw) ?? opLocation;
                if (ScopeText.Normalise(raw, out var scope))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MalformedScope, location, operationId, raw, scope));
                }

                if (scope.Length == 0 || scopes.Contains(scope))
                {
                    continue;
                }

                if (!knownScopes.Contains(scope))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownScope, location, operationId, scope));
                }

                scopes.Add(scope);
            }
        }

        return scopes;
    }

    private static List<ParameterSpec> BuildParameters(
        List<IOpenApiParameter> parameters,
        OpenApiOperation operation,
        string methodBase,
        string operationId,
        SchemaMapper mapper,
        SpecLocation? opLocation,
        List<DiagnosticInfo> diagnostics)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal) { "cancellationToken" };
        var result = new List<ParameterSpec>();
        foreach (var parameter in parameters)
        {
            if (parameter.In is not (ParameterLocation.Path or ParameterLocation.Query))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameter, opLocation, $"Parameter '{parameter.Name}' ({parameter.In}) of '{operationId}' is not generated; set it with a DelegatingHandler if needed"));
                continue;
            }

            var isPath = parameter.In == ParameterLocation.Path;
            var (type, isArray) = ParameterType(parameter.Schema);
            var required = isPath || parameter.Required;
            result.Add(new ParameterSpec(
                parameter.Name!,
                Naming.Unique(Naming.Camel(parameter.Name), taken),
                required ? type : type + "?",
                isPath ? ParameterKind.Path : ParameterKind.Query,
                required,
                isArray,
                parameter.Description));
        }

        if (operation.RequestBody?.Content is { Count: > 0 } content)
        {
            var bodyName = Naming.Unique("body", taken);
            var required = operation.RequestBody.Required;
            var json = content.FirstOrDefault(c => IsJson(c.Key));
            if (json.Value is not null)
            {
                var type = mapper.Map(json.Value.Schema, methodBase + "Request", $"request body of '{operationId}'", opLocation);
                result.Add(new ParameterSpec("body", bodyName, required ? type.Syntax : type.Nullable, ParameterKind.Body, required, false, operation.RequestBody.Description));
            }
            else if (content.Keys.Any(k => k.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) || k.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)))
            {
                // Refit sends an HttpContent body as-is: the caller builds the MultipartFormDataContent.
                result.Add(new ParameterSpec("body", bodyName, "global::System.Net.Http.HttpContent", ParameterKind.MultipartBody, true, false, "The form content (" + string.Join(", ", content.Keys) + ")."));
            }
            else
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameter, opLocation, $"Request body media type(s) {string.Join(", ", content.Keys)} of '{operationId}' are not supported; the body is left out"));
            }
        }

        // C# wants required parameters first; the spec's order is kept within each group.
        return result.Where(p => p.Required).Concat(result.Where(p => !p.Required)).ToList();
    }

    private static (string Type, bool IsArray) ParameterType(IOpenApiSchema? schema)
    {
        var core = (schema?.Type ?? 0) & ~JsonSchemaType.Null;
        if (core == JsonSchemaType.Array)
        {
            var (item, _) = ParameterType(schema!.Items);
            return ($"global::System.Collections.Generic.IEnumerable<{item}>", true);
        }

        // date-time stays a string in URLs: Refit would format a DateTimeOffset with the current culture.
        return core switch
        {
            JsonSchemaType.Integer => ("long", false),
            JsonSchemaType.Number => ("double", false),
            JsonSchemaType.Boolean => ("bool", false),
            _ => ("string", false),
        };
    }

    private static (string? ResponseType, string? PageItem, bool Paginated) BuildResponse(
        OpenApiOperation operation,
        string methodBase,
        List<IOpenApiParameter> parameters,
        SchemaMapper mapper,
        SpecLocation? opLocation)
    {
        TypeRef? content = null;
        foreach (var response in (operation.Responses ?? new OpenApiResponses()).Where(r => r.Key.StartsWith("2", StringComparison.Ordinal)).OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var json = response.Value?.Content?.FirstOrDefault(c => IsJson(c.Key)).Value;
            if (json?.Schema is not null)
            {
                content = mapper.Map(json.Schema, methodBase + "Response", $"response of '{operation.OperationId ?? methodBase}'", opLocation);
                break;
            }
        }

        var paginated = parameters.Any(p => p.In == ParameterLocation.Query && p.Name == "cursor");
        if (!paginated)
        {
            return (content?.Syntax, null, false);
        }

        const string listPrefix = "global::System.Collections.Generic.List<";
        var syntax = content?.Syntax ?? "global::System.Text.Json.JsonElement";
        var pageItem = syntax.StartsWith(listPrefix, StringComparison.Ordinal) ? syntax.Substring(listPrefix.Length, syntax.Length - listPrefix.Length - 1) : null;
        return ($"global::Refit.ApiResponse<{syntax}>", pageItem, true);
    }

    private static bool HasJsonResponse(OpenApiOperation operation) =>
        (operation.Responses ?? new OpenApiResponses())
            .Where(r => r.Key.StartsWith("2", StringComparison.Ordinal))
            .Any(r => r.Value?.Content?.Any(c => IsJson(c.Key) && c.Value?.Schema is not null) == true);

    private static string ShortType(string responseType)
    {
        const string apiResponse = "global::Refit.ApiResponse<";
        var type = responseType.StartsWith(apiResponse, StringComparison.Ordinal)
            ? responseType.Substring(apiResponse.Length, responseType.Length - apiResponse.Length - 1)
            : responseType;
        return type.Replace("global::", string.Empty);
    }

    private static bool IsJson(string mediaType) =>
        mediaType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ||
        (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.IndexOf("+json", StringComparison.OrdinalIgnoreCase) >= 0);
}
