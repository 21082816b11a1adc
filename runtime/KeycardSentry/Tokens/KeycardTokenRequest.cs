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
        : this(subjectToken, resource, NormalizedScopes.From(scopes))
    {
    }

    /// <summary>For callers that send many requests with one scope set (the HTTP handler): scopes normalised once.</summary>
    internal KeycardTokenRequest(string subjectToken, string resource, NormalizedScopes scopes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectToken);
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        SubjectToken = subjectToken;
        Resource = resource;
        Scopes = scopes.Scopes;
        ScopeString = scopes.ScopeString;
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

/// <summary>
/// A scope set as <see cref="KeycardTokenRequest"/> keeps it: trimmed, blanks dropped, distinct and sorted ordinally,
/// with its space-separated form built once (the token caches key on it on every call, including their hit paths).
/// </summary>
internal sealed class NormalizedScopes
{
    private NormalizedScopes(IReadOnlyList<string> scopes)
    {
        Scopes = scopes;
        ScopeString = string.Join(' ', scopes);
    }

    /// <summary>No scopes: "what the grant gives".</summary>
    public static NormalizedScopes None { get; } = new([]);

    public IReadOnlyList<string> Scopes { get; }

    public string ScopeString { get; }

    public static NormalizedScopes From(IEnumerable<string>? scopes) =>
        scopes is null
            ? None
            : new([.. scopes.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
}
