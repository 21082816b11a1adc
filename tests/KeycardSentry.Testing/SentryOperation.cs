namespace KeycardSentry.Testing;

/// <summary>One operation the Sentry stand-in serves, as its OpenAPI document describes it.</summary>
/// <param name="OperationId">The operationId (Sentry's published document has some English sentences here); <c>"{METHOD} {path}"</c> when the document names none.</param>
/// <param name="Method">The HTTP method, upper case.</param>
/// <param name="PathTemplate">The path with <c>{param}</c> placeholders, e.g. <c>/api/0/organizations/{organization_id_or_slug}/</c>.</param>
/// <param name="Tag">The operation's first tag, or null.</param>
/// <param name="Scopes">
/// The scopes of its <c>auth_token</c> requirement, any one of which suffices (Sentry's rule), after the token's scopes
/// are expanded through the catalog. Empty: any valid token may call it.
/// </param>
/// <param name="IsPaginated">Whether it takes a <c>cursor</c> query parameter (its answers carry a <c>Link</c> header).</param>
/// <param name="ReturnsList">Whether its success response is a JSON array (paginated when <paramref name="IsPaginated"/>).</param>
/// <param name="SuccessStatusCode">The status of its success answer: the lowest 2xx with a JSON body, else the lowest 2xx.</param>
/// <param name="HasResponseBody">Whether the success answer has a JSON body.</param>
public sealed record SentryOperation(
    string OperationId,
    string Method,
    string PathTemplate,
    string? Tag,
    IReadOnlyList<string> Scopes,
    bool IsPaginated,
    bool ReturnsList,
    int SuccessStatusCode,
    bool HasResponseBody)
{
    /// <summary>The path with each <c>{name}</c> replaced by <paramref name="value"/>(name), URL-escaped.</summary>
    public string ExpandPath(Func<string, string> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var result = new System.Text.StringBuilder(PathTemplate.Length + 32);
        var at = 0;
        while (at < PathTemplate.Length)
        {
            var open = PathTemplate.IndexOf('{', at);
            var close = open < 0 ? -1 : PathTemplate.IndexOf('}', open);
            if (open < 0 || close < 0)
            {
                result.Append(PathTemplate, at, PathTemplate.Length - at);
                break;
            }

            result.Append(PathTemplate, at, open - at);
            result.Append(Uri.EscapeDataString(value(PathTemplate[(open + 1)..close])));
            at = close + 1;
        }

        return result.ToString();
    }

    /// <summary>Method and path template, e.g. <c>GET /api/0/organizations/</c>.</summary>
    public override string ToString() => $"{Method} {PathTemplate} ({OperationId})";
}
