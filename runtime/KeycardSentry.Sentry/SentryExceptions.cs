using System.Net;

namespace KeycardSentry.Sentry;

/// <summary>
/// The token's scopes do not allow a Sentry call: refused before sending (the method's required scopes, any one of
/// which suffices, are not in the token's expanded grant), or Sentry answered 403. The message carries Keycard's advice.
/// </summary>
public sealed class SentryScopeException : KeycardScopeException
{
    /// <summary>Creates the exception.</summary>
    public SentryScopeException(string message, HttpStatusCode? statusCode, IReadOnlyList<string> requiredScopes, IReadOnlyList<string> grantedScopes, string? detail, string? method)
        : base(message, statusCode, requiredScopes, grantedScopes, detail, method)
    {
    }
}

/// <summary>
/// Sentry answered 401 twice: to the cached token and to a freshly exchanged one (or did so moments ago for this subject
/// token). The Sentry grant behind Keycard is invalid or expired; the user must re-connect Sentry in Keycard.
/// </summary>
public sealed class SentryAuthorizationException : KeycardAuthorizationException
{
    /// <summary>Creates the exception.</summary>
    public SentryAuthorizationException(string message, HttpStatusCode statusCode, string? detail, string? method)
        : base(message, statusCode, detail, method)
    {
    }
}
