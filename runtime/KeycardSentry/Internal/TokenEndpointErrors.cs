using System.Net;

namespace KeycardSentry.Internal;

/// <summary>An RFC 6749 §5.2 error body, already checked and made safe for messages (<see cref="MessageText"/>).</summary>
internal readonly record struct OAuthErrorBody(string Error, string? Description, string? Uri);

/// <summary>
/// The <see cref="KeycardExchangeException"/>s a token-endpoint answer can turn into, with messages that say what to
/// fix. Every piece of response text in them has passed <see cref="MessageText.Sanitize"/>; none carries a token.
/// </summary>
internal static class TokenEndpointErrors
{
    public static KeycardExchangeException InvalidResponse(HttpStatusCode status, string what) =>
        new($"Keycard answered HTTP {(int)status} with {what}; that is not a token response (RFC 8693 §2.2.1), so nothing was cached. Check Keycard:ZoneUrl points at the zone itself, not a proxy or login page.",
            statusCode: status,
            error: "invalid_response");

    /// <summary>A non-2xx answer without a usable OAuth error body: 429 and 5xx are retryable, the rest an invalid response.</summary>
    public static KeycardExchangeException WithoutOAuthBody(HttpStatusCode status)
    {
        var code = (int)status;
        var retryable = IsRetryable(code);
        var kind = code == 429 ? "rate_limited" : code >= 500 ? "server_error" : "invalid_response";
        return new KeycardExchangeException(
            $"Keycard's token endpoint answered HTTP {code} without an OAuth error body{(retryable ? "; retry later" : "")}. " +
            "If this persists, check Keycard:ZoneUrl and any proxy in between.",
            statusCode: status,
            error: kind,
            isRetryable: retryable);
    }

    public static KeycardExchangeException OAuthError(HttpStatusCode status, OAuthErrorBody body, string invalidClientHint) =>
        new(Describe(body, (int)status, invalidClientHint),
            statusCode: status,
            error: body.Error,
            errorDescription: body.Description,
            errorUri: body.Uri,
            isRetryable: IsRetryable((int)status));

    /// <summary>A 2xx that carries <c>error</c>: never a token.</summary>
    public static KeycardExchangeException ErrorInsteadOfToken(HttpStatusCode status, OAuthErrorBody? body, string invalidClientHint) =>
        body is { } error
            ? new KeycardExchangeException(
                $"Keycard answered HTTP {(int)status} with error '{error.Error}' instead of a token; treated as an invalid response and nothing was cached. {Describe(error, (int)status, invalidClientHint)}",
                statusCode: status,
                error: "invalid_response",
                errorDescription: error.Description,
                errorUri: error.Uri)
            : InvalidResponse(status, "an 'error' member that is not an RFC 6749 error code");

    private static bool IsRetryable(int status) => status == 429 || status >= 500;

    private static string Describe(OAuthErrorBody body, int status, string invalidClientHint)
    {
        var hint = body.Error switch
        {
            "invalid_client" => invalidClientHint,
            "invalid_request" => "Keycard rejected the request, usually the subject token: the user's Keycard access token is malformed, expired or not from this zone. Have the user sign in to Keycard again.",
            "invalid_grant" => "Keycard rejected the grant: the subject (or refresh) token is invalid, expired or revoked. Have the user sign in to Keycard again.",
            "unauthorized_client" => "This application is not allowed to use token exchange for that resource: enable it for the application in the Keycard console.",
            "unsupported_grant_type" => "The zone does not support this grant type: check that token exchange is enabled for the zone and that Keycard:ZoneUrl is a Keycard zone.",
            "invalid_scope" => "Keycard will not grant the requested scopes: request fewer (SentryApi:Scopes), or add them to the Sentry resource in the Keycard console.",
            "invalid_target" => "Keycard will not issue tokens for that resource: check the resource identifier (SentryApi:Resource, normally https://sentry.io/api/0) and that the resource is configured in the zone.",
            _ => "See the error description and Keycard's documentation.",
        };
        return $"Keycard refused the token exchange: {body.Error} (HTTP {status}){(string.IsNullOrWhiteSpace(body.Description) ? "" : ": " + body.Description)}. {hint}";
    }
}
