using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KeycardSentry.Testing.Internal.Sentry;

/// <summary>Writes the stand-in's answers: JSON bodies, Sentry's <c>{"detail": ..}</c> errors and the rate-limit headers every answer carries.</summary>
internal sealed class SentryAnswers(HttpContext context, RateLimitCounter.Usage usage)
{
    public HttpContext Context => context;

    /// <summary>Reads the request body as UTF-8; null when it is over Kestrel's size limit (answered 413).</summary>
    public static async Task<string?> ReadBodyAsync(HttpContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            return await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            context.Response.StatusCode = ex.StatusCode;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new { detail = "The request body is too large." }), context.RequestAborted).ConfigureAwait(false);
            return null;
        }
    }

    public Task DetailAsync(int status, string detail, bool refused = false)
    {
        usage.WriteHeaders(context.Response.Headers, refused);
        return WriteAsync(status, JsonSerializer.Serialize(new { detail }));
    }

    public Task FaultAsync(SentryFault fault)
    {
        usage.WriteHeaders(context.Response.Headers, refused: fault.StatusCode == 429);
        foreach (var (name, value) in fault.Headers)
        {
            context.Response.Headers[name] = value;
        }

        return WriteAsync(fault.StatusCode, fault.Body);
    }

    /// <summary>A success answer: <paramref name="body"/> as JSON (<c>null</c> too), or no body at all when <paramref name="hasBody"/> is false.</summary>
    public Task JsonAsync(int status, JsonNode? body, bool hasBody)
    {
        if (hasBody)
        {
            return BytesAsync(status, JsonSerializer.SerializeToUtf8Bytes(body));
        }

        usage.WriteHeaders(context.Response.Headers, refused: false);
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    /// <summary>A success answer whose JSON body is already serialized.</summary>
    public Task BytesAsync(int status, byte[] json)
    {
        usage.WriteHeaders(context.Response.Headers, refused: false);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        return context.Response.Body.WriteAsync(json, context.RequestAborted).AsTask();
    }

    private Task WriteAsync(int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json, context.RequestAborted);
    }
}
