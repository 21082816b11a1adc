namespace KeycardSentry;

/// <summary>What a caller asks for: the user's Keycard access token, the resource and the requested scopes.</summary>
/// <remarks><see cref="ToString"/> never prints the subject token.</remarks>
public sealed class KeycardTokenRequest
{
    /// <summary>Creates a request.</summary>
    /// <param name="subjectToken">The user's Keycard access token (a JWT, or opaque).</param>
    /// <param name="resource">The RFC 8707 resource, e.g. <c>https://sentry.io/api/0</c>.</param>
    /// <param name="scopes">The scopes to request; empty means "what the grant gives".</param>
    public KeycardTokenRequest(string subjectToken, string resource, IEnumerable<string>? scopes = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectToken);
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        SubjectToken = subjectToken;
        Resource = resource;
        Scopes = scopes is null
            ? []
            : [.. scopes.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

        // Built once: the token caches key on it on every call, including their hit paths.
        ScopeString = string.Join(' ', Scopes);
    }

    /// <summary>The user's Keycard access token. Secret: never log it.</summary>
    public string SubjectToken { get; }

    /// <summary>The resource the token is for.</summary>
    public string Resource { get; }

    /// <summary>The requested scopes, distinct and sorted (so equal sets give equal cache keys).</summary>
    public IReadOnlyList<string> Scopes { get; }

    /// <summary>The requested scopes as the space-separated <c>scope</c> form value (empty when none).</summary>
    public string ScopeString { get; }

    /// <inheritdoc />
    public override string ToString() => $"KeycardTokenRequest {{ Resource = {Resource}, Scopes = [{ScopeString}], SubjectToken = *** }}";
}
