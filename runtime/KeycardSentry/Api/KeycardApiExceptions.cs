using System.Net;

namespace KeycardSentry;

/// <summary>
/// An API called through Keycard refused a call for a reason the caller must act on (authorization or scopes). Carries
/// the HTTP status, the API's error detail (bounded and with control characters escaped) and the method; never a token.
/// </summary>
public abstract class KeycardApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected KeycardApiException(string message, HttpStatusCode? statusCode, string? detail, string? method, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Detail = detail;
        Method = method;
    }

    /// <summary>The HTTP status the API answered with; null when the call was refused before sending.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The API's error detail, at most 256 characters, control characters escaped.</summary>
    public string? Detail { get; }

    /// <summary>The API method, as <c>Interface.Method</c> when the client is a Refit interface, else <c>VERB /path</c>.</summary>
    public string? Method { get; }
}

/// <summary>
/// The token's scopes do not allow the call: either refused before sending (the method's required scopes, any one of
/// which suffices, are not in the token's expanded grant), or the API answered 403.
/// </summary>
public class KeycardScopeException : KeycardApiException
{
    /// <summary>Creates the exception.</summary>
    public KeycardScopeException(string message, HttpStatusCode? statusCode, IReadOnlyList<string> requiredScopes, IReadOnlyList<string> grantedScopes, string? detail, string? method)
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
/// The API answered 401 twice: to the cached token and to a freshly exchanged one (or did so moments ago for this
/// subject token, see <see cref="KeycardApiOptions.UnauthorizedCooldown"/>). The grant behind Keycard is invalid or
/// expired; the user must re-connect the API's provider in Keycard.
/// </summary>
public class KeycardAuthorizationException : KeycardApiException
{
    /// <summary>Creates the exception.</summary>
    public KeycardAuthorizationException(string message, HttpStatusCode statusCode, string? detail, string? method)
        : base(message, statusCode, detail, method)
    {
    }
}
