using System.Text.Json.Nodes;

namespace KeycardSentry.Testing;

/// <summary>
/// What a responder registered with <see cref="LocalSentryApi.Respond"/> is given: the request, the operation it
/// matched, and the body the stand-in would send.
/// </summary>
public sealed class SentryCall
{
    private readonly Lazy<JsonNode?> _generatedBody;

    internal SentryCall(SentryOperation operation, SentryRequestRecord request, IReadOnlyDictionary<string, string> pathParameters, Func<JsonNode?> generatedBody)
    {
        Operation = operation;
        Request = request;
        PathParameters = pathParameters;
        _generatedBody = new Lazy<JsonNode?>(generatedBody, LazyThreadSafetyMode.None);
    }

    /// <summary>The operation the request matched.</summary>
    public SentryOperation Operation { get; }

    /// <summary>The request as recorded (method, path, query, the token's user and scopes, body).</summary>
    public SentryRequestRecord Request { get; }

    /// <summary>The token's user.</summary>
    public string User => Request.User!;

    /// <summary>The path parameters by name, e.g. <c>organization_id_or_slug</c> → <c>acme</c>.</summary>
    public IReadOnlyDictionary<string, string> PathParameters { get; }

    /// <summary>
    /// The seeded, schema-valid body the stand-in would send (a fresh copy: change it freely). For a list operation it
    /// is the whole list; the stand-in pages whatever array the responder returns.
    /// </summary>
    public JsonNode? GeneratedBody => _generatedBody.Value;

    /// <summary>
    /// A responder: the generated body with the token's user added as <c>user</c> (a field Sentry does not send, so a
    /// generated model keeps it in its extension data). Lets a caller check that an answer came back to its own user:
    /// <c>sentry.Respond(id, SentryCall.GeneratedBodyWithUser)</c>.
    /// </summary>
    public static JsonNode? GeneratedBodyWithUser(SentryCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (call.GeneratedBody is JsonObject body)
        {
            body["user"] = call.User;
        }

        return call.GeneratedBody;
    }
}
