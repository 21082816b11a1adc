namespace KeycardSentry;

/// <summary>
/// A scope catalog and the per-method scope table of a set of generated clients. The generator emits one
/// implementation per spec; the runtime handler uses it to refuse, before sending, a call the token cannot make.
/// </summary>
public interface IApiScopeCatalog
{
    /// <summary>The Keycard resource identifier of the API, e.g. <c>https://sentry.io/api/0</c>.</summary>
    string Resource { get; }

    /// <summary>The scopes Keycard grants by default for <see cref="Resource"/>.</summary>
    IReadOnlyList<string> DefaultGrant { get; }

    /// <summary>For each known scope, every scope a token holding it has (itself included).</summary>
    IReadOnlyDictionary<string, IReadOnlyList<string>> Implications { get; }

    /// <summary>
    /// Looks up the scopes of which any one suffices for <paramref name="methodName"/> of the generated
    /// interface <paramref name="interfaceType"/>.
    /// </summary>
    bool TryGetRequiredScopes(Type interfaceType, string methodName, out IReadOnlyList<string> anyOf);
}
