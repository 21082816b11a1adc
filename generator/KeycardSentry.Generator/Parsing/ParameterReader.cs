using System;
using System.Collections.Generic;
using System.Linq;
using KeycardSentry.Generator.Diagnostics;
using KeycardSentry.Generator.Model;
using Microsoft.OpenApi;

namespace KeycardSentry.Generator.Parsing;

/// <summary>An operation's path and query parameters and its request body, as method parameters (required first).</summary>
internal static class ParameterReader
{
    /// <summary>Operation-level parameters first, then path-level ones the operation does not override.</summary>
    public static List<IOpenApiParameter> Merge(IList<IOpenApiParameter>? pathLevel, IList<IOpenApiParameter>? operationLevel)
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

    public static List<ParameterSpec> Read(
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
            result.Add(new ParameterSpec(
                parameter.Name!,
                Naming.Unique(Naming.Camel(parameter.Name), taken),
                SchemaFacts.ParameterType(parameter.Schema),
                isPath ? ParameterKind.Path : ParameterKind.Query,
                isPath || parameter.Required,
                parameter.Description));
        }

        if (ReadBody(operation, methodBase, operationId, mapper, opLocation, diagnostics, taken) is { } body)
        {
            result.Add(body);
        }

        // C# wants required parameters first; the spec's order is kept within each group.
        return result.Where(p => p.Required).Concat(result.Where(p => !p.Required)).ToList();
    }

    public static bool IsJson(string mediaType) =>
        mediaType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ||
        (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.IndexOf("+json", StringComparison.OrdinalIgnoreCase) >= 0);

    private static ParameterSpec? ReadBody(
        OpenApiOperation operation,
        string methodBase,
        string operationId,
        SchemaMapper mapper,
        SpecLocation? opLocation,
        List<DiagnosticInfo> diagnostics,
        HashSet<string> taken)
    {
        if (operation.RequestBody?.Content is not { Count: > 0 } content)
        {
            return null;
        }

        var bodyName = Naming.Unique("body", taken);
        var json = content.FirstOrDefault(c => IsJson(c.Key));
        if (json.Value is not null)
        {
            var type = mapper.Map(json.Value.Schema, methodBase + "Request", $"request body of '{operationId}'", opLocation);
            return new ParameterSpec("body", bodyName, type, ParameterKind.Body, operation.RequestBody.Required, operation.RequestBody.Description);
        }

        if (content.Keys.Any(k => k.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) || k.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)))
        {
            // Refit sends an HttpContent body as-is: the caller builds the MultipartFormDataContent.
            return new ParameterSpec("body", bodyName, TypeSpec.Content, ParameterKind.MultipartBody, true, "The form content (" + string.Join(", ", content.Keys) + ").");
        }

        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameter, opLocation, $"Request body media type(s) {string.Join(", ", content.Keys)} of '{operationId}' are not supported; the body is left out"));
        return null;
    }
}
