namespace KeycardSentry.Testing;

/// <summary>One request that reached the zone's token endpoint, recorded before any fault or processing.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The request path.</param>
/// <param name="ContentType">The <c>Content-Type</c> header, as sent.</param>
/// <param name="Headers">All request headers (names case-insensitive), including <c>Authorization</c> and <c>Accept</c>.</param>
/// <param name="Form">The form fields after url-decoding (empty when the body was not a form).</param>
/// <param name="RawBody">The body as sent.</param>
public sealed record RecordedTokenRequest(
    string Method,
    string Path,
    string? ContentType,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyDictionary<string, string> Form,
    string RawBody)
{
    /// <summary>The <c>Authorization</c> header, if any.</summary>
    public string? Authorization => Headers.TryGetValue("Authorization", out var value) ? value : null;

    /// <summary>The <c>Accept</c> header, if any.</summary>
    public string? Accept => Headers.TryGetValue("Accept", out var value) ? value : null;

    /// <summary>The <c>grant_type</c> form field, if any.</summary>
    public string? GrantType => Form.TryGetValue("grant_type", out var value) ? value : null;

    /// <summary>Method, path and form field names only: a test failure message never shows tokens or credentials.</summary>
    public override string ToString() =>
        $"RecordedTokenRequest {{ {Method} {Path}, ContentType = {ContentType}, Fields = [{string.Join(' ', Form.Keys)}] }}";
}

/// <summary>What the zone knows about an access token it issued.</summary>
/// <param name="User">The user (subject) the token was issued for.</param>
/// <param name="Scopes">The scopes granted to the token.</param>
/// <param name="Resource">The resource the token is for.</param>
/// <param name="ExpiresAt">When the token expires on the zone's clock.</param>
public sealed record IssuedToken(string User, IReadOnlySet<string> Scopes, string Resource, DateTimeOffset ExpiresAt);

/// <summary>A canned answer the token endpoint sends instead of processing a request.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The body as text (sent as UTF-8), unless <see cref="RawBody"/> is set.</param>
/// <param name="ContentType">The <c>Content-Type</c>; empty sends none. Default <c>application/json</c>.</param>
public sealed record FaultResponse(int StatusCode, string Body, string ContentType = "application/json")
{
    /// <summary>When set, these exact bytes are the body (with a <c>Content-Length</c>) instead of <see cref="Body"/>: BOMs, other encodings, invalid UTF-8.</summary>
    public byte[]? RawBody { get; init; }

    /// <summary>An answer whose body is exactly <paramref name="body"/>, sent with a <c>Content-Length</c>.</summary>
    public static FaultResponse Raw(int statusCode, byte[] body, string contentType = "application/json") =>
        new(statusCode, string.Empty, contentType) { RawBody = body ?? throw new ArgumentNullException(nameof(body)) };

    /// <summary>Shows status, content type and body length only (bodies can be huge or hold tokens).</summary>
    public override string ToString() => $"FaultResponse {{ {StatusCode}, ContentType = {ContentType}, {(RawBody?.Length ?? Body.Length)} {(RawBody is null ? "chars" : "bytes")} }}";

    /// <summary>An RFC 6749 §5.2 error: status 400 (401 for <c>invalid_client</c>) unless given.</summary>
    public static FaultResponse OAuthError(string error, string? description = null, string? uri = null, int? statusCode = null)
    {
        var fields = new Dictionary<string, string> { ["error"] = error };
        if (description is not null)
        {
            fields["error_description"] = description;
        }

        if (uri is not null)
        {
            fields["error_uri"] = uri;
        }

        return new FaultResponse(statusCode ?? (error == "invalid_client" ? 401 : 400), System.Text.Json.JsonSerializer.Serialize(fields));
    }

    /// <summary>An HTML error page, as a proxy in front of the zone would send (default 502).</summary>
    public static FaultResponse Html(int statusCode = 502) =>
        new(statusCode, "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>", "text/html");

    /// <summary>A 200 whose JSON body is <paramref name="json"/> (e.g. one with <c>error</c>, or without <c>access_token</c>).</summary>
    public static FaultResponse Ok(string json) => new(200, json);
}
