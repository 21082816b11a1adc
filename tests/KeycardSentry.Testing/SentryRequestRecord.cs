namespace KeycardSentry.Testing;

/// <summary>One request the Sentry stand-in received.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path, e.g. <c>/api/0/organizations/acme/</c>.</param>
/// <param name="Query">The query string including <c>?</c>, or empty.</param>
/// <param name="User">The user the bearer token belongs to (server-side lookup at the zone); null for missing, unknown, revoked or other-resource tokens.</param>
/// <param name="Scopes">The token's scopes as issued (not expanded), when known.</param>
/// <param name="TokenFingerprint">The bearer token's fingerprint (first 16 hex digits of its SHA-256), when one was sent.</param>
/// <param name="Body">The request body.</param>
public sealed record SentryRequestRecord(
    string Method,
    string Path,
    string Query,
    string? User,
    IReadOnlySet<string>? Scopes,
    string? TokenFingerprint,
    string Body)
{
    /// <summary>The operationId of the operation the path and method matched, or null when none did (answered 404 or 405).</summary>
    public string? OperationId { get; init; }

    /// <summary>Method, path, operation and user: never the body, which may carry secrets.</summary>
    public override string ToString() =>
        $"SentryRequestRecord {{ {Method} {Path}{Query}, OperationId = {OperationId}, User = {User}, Token = {TokenFingerprint} }}";
}
