using System.Net;

namespace KeycardSentry;

/// <summary>
/// Sentry refused a call for a reason the caller must act on (authorization or scopes). Carries the HTTP status,
/// Sentry's <c>detail</c> and the API method; never a token.
/// </summary>
public abstract class SentryApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected SentryApiException(string message, HttpStatusCode? statusCode, string? detail, string? method, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Detail = detail;
        Method = method;
    }

    /// <summary>The HTTP status Sentry answered with; null when the call was refused before sending.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Sentry's <c>detail</c> (for a nested detail, its <c>message</c>, with the <c>code</c> in front).</summary>
    public string? Detail { get; }

    /// <summary>The API method, as <c>Interface.Method</c> when the client is a Refit interface, else <c>VERB /path</c>.</summary>
    public string? Method { get; }
}

/// <summary>
/// The token's scopes do not allow the call: either refused before sending (the method's required scopes, any one of
/// which suffices, are not in the token's expanded grant), or Sentry answered 403.
/// </summary>
public sealed class SentryScopeException : SentryApiException
{
    /// <summary>Creates the exception.</summary>
    public SentryScopeException(
        string message,
        HttpStatusCode? statusCode,
        IReadOnlyList<string> requiredScopes,
        IReadOnlyList<string> grantedScopes,
        string? detail,
        string? method)
        : base(message, statusCode, detail, method)
    {
        RequiredScopes = requiredScopes ?? [];
        GrantedScopes = grantedScopes ?? [];
    }

    /// <summary>The scopes of which any one would allow the call (empty when the method is not in the catalog).</summary>
    public IReadOnlyList<string> RequiredScopes { get; }

    /// <summary>The scopes the token was granted (as Keycard reported them, before expansion).</summary>
    public IReadOnlyList<string> GrantedScopes { get; }

    /// <summary>True when the call was refused before any request was sent.</summary>
    public bool RefusedBeforeSending => StatusCode is null;
}

/// <summary>
/// Sentry answered 401 twice: to the cached token and to a freshly exchanged one. The Sentry grant behind Keycard is
/// invalid or expired; the user must re-connect Sentry in Keycard.
/// </summary>
public sealed class SentryAuthorizationException : SentryApiException
{
    /// <summary>Creates the exception.</summary>
    public SentryAuthorizationException(string message, HttpStatusCode statusCode, string? detail, string? method)
        : base(message, statusCode, detail, method)
    {
    }
}
