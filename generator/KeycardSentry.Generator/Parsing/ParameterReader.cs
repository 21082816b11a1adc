using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using KeycardSentry.Generator.Diagnostics;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing.Document;

namespace KeycardSentry.Generator.Parsing;

/// <summary>An operation's path and query parameters and its request body, as method parameters (required first).</summary>
internal static class ParameterReader
{
    /// <summary>Operation-level parameters first, then path-level ones the operation does not override; references followed.</summary>
    public static List<Parameter> Merge(SpecDocument document, JsonElement pathItem, JsonElement operation)
    {
        var merged = new List<Parameter>();
        foreach (var list in new[] { SpecDocument.Member(operation, "parameters"), SpecDocument.Member(pathItem, "parameters") })
        {
            if (list is not { ValueKind: JsonValueKind.Array } items)
            {
                continue;
            }

            foreach (var item in items.EnumerateArray())
            {
                if (document.Resolve(item) is { ValueKind: JsonValueKind.Object } parameter &&
                    SpecDocument.String(parameter, "name") is { } name &&
                    SpecDocument.String(parameter, "in") is { } location &&
                    !merged.Any(p => p.Name == name && p.In == location))
                {
                    merged.Add(new Parameter(name, location, parameter));
                }
            }
        }

        return merged;
    }

    public static List<ParameterSpec> Read(
        SpecDocument document,
        List<Parameter> parameters,
        JsonElement operation,
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
            if (parameter.In is not ("path" or "query"))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameter, opLocation, $"Parameter '{parameter.Name}' ({Capitalised(parameter.In)}) of '{operationId}' is not generated; set it with a DelegatingHandler if needed"));
                continue;
            }

            var isPath = parameter.In == "path";
            var schema = SpecDocument.Member(parameter.Element, "schema") is { ValueKind: JsonValueKind.Object } s ? new SchemaNode(document, s) : null;
            result.Add(new ParameterSpec(
                parameter.Name,
                Naming.Unique(Naming.Camel(parameter.Name), taken),
                SchemaFacts.ParameterType(schema),
                isPath ? ParameterKind.Path : ParameterKind.Query,
                isPath || SpecDocument.True(parameter.Element, "required"),
                SpecDocument.String(parameter.Element, "description")));
        }

        if (ReadBody(document, operation, methodBase, operationId, mapper, opLocation, diagnostics, taken) is { } body)
        {
            result.Add(body);
        }

        // C# wants required parameters first; the spec's order is kept within each group.
        return result.Where(p => p.Required).Concat(result.Where(p => !p.Required)).ToList();
    }

    public static bool IsJson(string mediaType) =>
        mediaType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ||
        (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.IndexOf("+json", StringComparison.OrdinalIgnoreCase) >= 0);

    /// <summary>The schema of the first JSON media type of a request body or response, or null.</summary>
    public static SchemaNode? JsonSchema(SpecDocument document, JsonElement? holder)
    {
        if (SpecDocument.Member(holder, "content") is not { ValueKind: JsonValueKind.Object } content)
        {
            return null;
        }

        foreach (var media in content.EnumerateObject())
        {
            if (IsJson(media.Name) && SpecDocument.Member(media.Value, "schema") is { ValueKind: JsonValueKind.Object } schema)
            {
                return new SchemaNode(document, schema);
            }
        }

        return null;
    }

    private static ParameterSpec? ReadBody(
        SpecDocument document,
        JsonElement operation,
        string methodBase,
        string operationId,
        SchemaMapper mapper,
        SpecLocation? opLocation,
        List<DiagnosticInfo> diagnostics,
        HashSet<string> taken)
    {
        var body = SpecDocument.Member(operation, "requestBody") is { } reference ? document.Resolve(reference) : null;
        if (SpecDocument.Member(body, "content") is not { ValueKind: JsonValueKind.Object } content || !content.EnumerateObject().Any())
        {
            return null;
        }

        var bodyName = Naming.Unique("body", taken);
        var required = SpecDocument.True(body, "required");
        var mediaTypes = content.EnumerateObject().Select(m => m.Name).ToList();
        if (mediaTypes.Any(IsJson))
        {
            var schema = JsonSchema(document, body);
            var type = mapper.Map(schema, methodBase + "Request", $"request body of '{operationId}'", opLocation);
            return new ParameterSpec("body", bodyName, type, ParameterKind.Body, required, SpecDocument.String(body, "description"));
        }

        if (mediaTypes.Any(k => k.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) || k.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)))
        {
            // Refit sends an HttpContent body as-is: the caller builds the MultipartFormDataContent.
            return new ParameterSpec("body", bodyName, TypeSpec.Content, ParameterKind.MultipartBody, true, "The form content (" + string.Join(", ", mediaTypes) + ").");
        }

        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameter, opLocation, $"Request body media type(s) {string.Join(", ", mediaTypes)} of '{operationId}' are not supported; the body is left out"));
        return null;
    }

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);

    /// <summary>A parameter object (references followed): its name, where it goes, and the object itself.</summary>
    internal sealed class Parameter
    {
        public Parameter(string name, string @in, JsonElement element)
        {
            Name = name;
            In = @in;
            Element = element;
        }

        public string Name { get; }

        public string In { get; }

        public JsonElement Element { get; }
    }
}
