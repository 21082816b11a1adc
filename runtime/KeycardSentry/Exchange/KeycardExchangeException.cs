using System.Net;

namespace KeycardSentry;

/// <summary>
/// Keycard refused or failed a token exchange (or its discovery). Keeps the HTTP status and the RFC 6749 §5.2 fields,
/// and says whether retrying can help. Never carries a token or a secret.
/// </summary>
public sealed class KeycardExchangeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KeycardExchangeException(
        string message,
        HttpStatusCode? statusCode = null,
        string? error = null,
        string? errorDescription = null,
        string? errorUri = null,
        bool isRetryable = false,
        Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Error = error;
        ErrorDescription = errorDescription;
        ErrorUri = errorUri;
        IsRetryable = isRetryable;
    }

    /// <summary>The HTTP status Keycard answered with; null for transport failures and time-outs.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>
    /// The OAuth <c>error</c> code (e.g. <c>invalid_grant</c>), or one of the runtime's: <c>invalid_response</c> (a 200
    /// that is not a token, or a non-2xx without an OAuth body), <c>server_error</c> (5xx without an OAuth body),
    /// <c>rate_limited</c> (429 without an OAuth body), <c>transport_error</c>, <c>timeout</c>, <c>discovery_failed</c>,
    /// <c>client_authentication_failed</c> (the client assertion could not be signed).
    /// </summary>
    public string? Error { get; }

    /// <summary>The OAuth <c>error_description</c>, when Keycard sent one.</summary>
    public string? ErrorDescription { get; }

    /// <summary>The OAuth <c>error_uri</c>, when Keycard sent one.</summary>
    public string? ErrorUri { get; }

    /// <summary>True for 429, 5xx, time-outs and transport failures: retrying later can help.</summary>
    public bool IsRetryable { get; }
}
