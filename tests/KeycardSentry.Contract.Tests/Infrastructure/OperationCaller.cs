using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KeycardSentry.Sentry;
using Microsoft.Extensions.DependencyInjection;
using Refit;

namespace KeycardSentry.Contract.Tests.Infrastructure;

/// <summary>
/// Calls one generated operation by reflection, as an app would: its interface from the app's services, every
/// parameter filled from Sentry's schema for it (path and query parameters by their wire name, <c>[AliasAs]</c> or the
/// parameter's own; a JSON body deserialized into the method's model, so the model's serialization is what Prism sees;
/// a multipart body built from its schema), the response read into our models.
/// </summary>
internal sealed class OperationCaller(IServiceProvider services, ContractSpec spec, ExchangeRecorder recorder)
{
    private static readonly JsonSerializerOptions Json = SystemTextJsonContentSerializer.GetDefaultJsonSerializerOptions();
    private readonly RequestValues _values = new(spec);
    private readonly ExtensionDataCheck _extensionData = new(spec);

    /// <summary>Calls <paramref name="operation"/> once; with <paramref name="staticResponse"/> Prism answers with the document's example.</summary>
    public async Task<CallResult> CallAsync(SentryOperationInfo operation, bool staticResponse, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var recorded = recorder.Begin(staticResponse);
        var sentBody = false;
        var models = 0;
        var checkedBody = false;
        object? result = null;
        try
        {
            var method = operation.InterfaceType.GetMethod(operation.MethodName)
                ?? throw new InvalidOperationException($"{operation.InterfaceType.Name} has no method {operation.MethodName}.");
            var parameters = method.GetParameters();
            var arguments = parameters.Select(p => Argument(operation, p, cancellationToken)).ToArray();
            sentBody = parameters.Any(p => p.GetCustomAttribute<BodyAttribute>() is not null);
            var task = (Task)method.Invoke(services.GetRequiredService(operation.InterfaceType), arguments)!;
            await task.ConfigureAwait(false);
            result = method.ReturnType.IsGenericType ? task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
            if (result is IApiResponse response)
            {
                using (response)
                {
                    if (response.Error is { } error)
                    {
                        problems.Add(Describe(error));
                    }

                    result = response.GetType().GetProperty(nameof(ApiResponse<object>.Content))!.GetValue(response);
                }
            }
        }
        catch (Exception ex)
        {
            problems.Add(Describe(ex is TargetInvocationException { InnerException: { } inner } ? inner : ex));
        }

        var exchanges = recorded.ToList();
        if (exchanges.Count == 0)
        {
            problems.Add("no request reached Prism");
        }

        foreach (var exchange in exchanges.Where(e => e.Violations is not null || e.Status >= 400))
        {
            problems.Add("Prism: " + exchange);
        }

        if (exchanges.LastOrDefault() is { Status: >= 200 and < 300 } last && result is not null)
        {
            var (lost, checkedModels) = _extensionData.Check(result, spec.ResponseSchema(operation.HttpMethod, operation.Path, last.Status));
            problems.AddRange(lost);
            (models, checkedBody) = (checkedModels, true);
        }

        return new CallResult(operation, exchanges, problems, sentBody, checkedBody, models);
    }

    private object? Argument(SentryOperationInfo operation, ParameterInfo parameter, CancellationToken cancellationToken)
    {
        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return cancellationToken;
        }

        if (parameter.GetCustomAttribute<BodyAttribute>() is not null)
        {
            var (mediaType, schema) = spec.RequestBody(operation.HttpMethod, operation.Path)
                ?? throw new InvalidOperationException($"{parameter.Name}: the method takes a body, Sentry's document has none.");
            var body = _values.ForBody(schema);
            return parameter.ParameterType == typeof(HttpContent) ? Multipart(mediaType, body) : Convert(body, parameter.ParameterType);
        }

        var location = parameter.GetCustomAttribute<QueryAttribute>() is null ? "path" : "query";
        var name = parameter.GetCustomAttribute<AliasAsAttribute>()?.Name ?? parameter.Name!.TrimStart('@');
        if (!spec.Parameters(operation.HttpMethod, operation.Path).TryGetValue((location, name), out var declared))
        {
            throw new InvalidOperationException($"{parameter.Name}: Sentry's document has no {location} parameter '{name}'.");
        }

        // A deprecated optional parameter is left out, as a current caller would (Prism reports sending it as a violation).
        if (declared["deprecated"] is JsonValue deprecated && deprecated.TryGetValue<bool>(out var isDeprecated) && isDeprecated
            && !(declared["required"] is JsonValue required && required.TryGetValue<bool>(out var isRequired) && isRequired)
            && IsOptional(parameter))
        {
            return null;
        }

        return Convert(_values.ForParameter(name, declared["schema"]), parameter.ParameterType);
    }

    private static bool IsOptional(ParameterInfo parameter) =>
        !parameter.ParameterType.IsValueType || Nullable.GetUnderlyingType(parameter.ParameterType) is not null;

    /// <summary>A sample value as the parameter's C# type (through Refit's own JSON options, so enums and unions read as they would).</summary>
    private static object? Convert(JsonNode? value, Type type) => Textual(value, type)?.Deserialize(type, Json);

    /// <summary>
    /// A number or boolean where the parameter (or its items) is a string (an <c>anyOf</c> of integer and string is a
    /// string parameter) becomes its text, as it would be in the URL.
    /// </summary>
    private static JsonNode? Textual(JsonNode? value, Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string))
        {
            return value is JsonValue scalar && !scalar.TryGetValue<string>(out _) ? JsonValue.Create(scalar.ToJsonString()) : value?.DeepClone();
        }

        var element = target.IsArray ? target.GetElementType()
            : target.IsGenericType && target.GetGenericArguments() is [var only] && typeof(System.Collections.IEnumerable).IsAssignableFrom(target) ? only
            : null;
        return element is not null && value is JsonArray items ? new JsonArray([.. items.Select(i => Textual(i, element))]) : value?.DeepClone();
    }

    /// <summary>A multipart form from a sample object: the <c>file</c> property as a file part, other scalars as text parts.</summary>
    private static MultipartFormDataContent Multipart(string mediaType, JsonNode? body)
    {
        if (!mediaType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"A body of {mediaType} is not multipart.");
        }

        var form = new MultipartFormDataContent();
        foreach (var (name, value) in body as JsonObject ?? [])
        {
            // Prism 5.16.0 reads each multipart field as one string (the last part of that name wins) unless the document
            // declares an encoding style for it, which Sentry's does not: an array field (release files' optional
            // `header`, which Sentry accepts repeated) can never pass its validation, so it is left out.
            if (value is JsonArray)
            {
                continue;
            }

            var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? string.Empty;
            HttpContent part = name == "file" ? new ByteArrayContent(Encoding.UTF8.GetBytes(text)) : new StringContent(text);
            part.Headers.ContentType = name == "file" ? new MediaTypeHeaderValue("application/octet-stream") : part.Headers.ContentType;

            // Quoted parameters: Prism 5.16.0's multipart parser JSON-parses them and crashes the whole server on
            // .NET's default unquoted form (name=file; filename=app.min.js), which RFC 2183 allows.
            part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = $"\"{name}\"", FileName = name == "file" ? "\"app.min.js\"" : null };
            form.Add(part);
        }

        return form;
    }

    private static string Describe(Exception ex) => ex switch
    {
        ApiException api => $"{api.GetType().Name} {(int)api.StatusCode}: {api.Message}{(api.InnerException is { } inner ? " (" + inner.GetType().Name + ": " + inner.Message + ")" : string.Empty)}",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}

/// <summary>
/// What one call did: Prism's exchanges and every problem (empty = the operation keeps Sentry's contract), whether it
/// sent a request body, whether a 2xx body was read into our models, and how many model objects that body held.
/// </summary>
internal sealed record CallResult(SentryOperationInfo Operation, IReadOnlyList<RecordedExchange> Exchanges, IReadOnlyList<string> Problems, bool SentBody, bool CheckedBody, int ModelsChecked)
{
    public bool Passed => Problems.Count == 0;

    public override string ToString() =>
        $"{Operation.OperationId} ({Operation.HttpMethod} {Operation.Path}, {Operation.InterfaceType.Name}.{Operation.MethodName}):\n    " + string.Join("\n    ", Problems);
}
