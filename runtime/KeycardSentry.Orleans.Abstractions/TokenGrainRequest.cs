namespace KeycardSentry.Orleans;

/// <summary>
/// What a caller asks a token grain for: the user's subject token, the resource, and the scope set already normalised
/// (distinct, sorted ordinally, space-separated, as <c>KeycardTokenRequest.ScopeString</c>). <see cref="ToString"/>
/// never prints the subject token.
/// </summary>
/// <param name="SubjectToken">The user's Keycard access token. Secret: never log it.</param>
/// <param name="Resource">The RFC 8707 resource, e.g. <c>https://sentry.io/api/0</c>.</param>
/// <param name="Scopes">The normalised scope string; empty for "whatever the grant gives".</param>
[GenerateSerializer, Immutable, Alias("KeycardSentry.TokenGrainRequest")]
public sealed record TokenGrainRequest(
    [property: Id(0)] string SubjectToken,
    [property: Id(1)] string Resource,
    [property: Id(2)] string Scopes)
{
    /// <inheritdoc />
    public override string ToString() => $"TokenGrainRequest {{ Resource = {Resource}, Scopes = [{Scopes}], SubjectToken = *** }}";
}
