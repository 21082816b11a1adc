namespace KeycardSentry;

/// <summary>
/// Options of <c>AddKeycardSubjectFromHttpContext()</c>: which authentication schemes validate a bearer token whose
/// value is the user's Keycard access token.
/// </summary>
public sealed class KeycardHttpContextSubjectOptions
{
    /// <summary>
    /// Names of authentication schemes, besides every JwtBearer scheme (which count without being named here), that
    /// validate the request's <c>Authorization: Bearer</c> token, e.g. an OAuth 2.0 introspection scheme for opaque
    /// Keycard tokens. A request authenticated by any other scheme (cookies, API keys, ...) gives no subject.
    /// </summary>
    public IList<string> BearerSchemes { get; } = [];
}
